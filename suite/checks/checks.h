#pragma once
// The checks engine: evaluates a study's expectations for one scale from a results tree alone
// (MLPerf-checker style) and writes /checks/<name> with kind, expected, actual, tolerance,
// statistic, verdict (pass | fail | inconclusive | skip), reason — and, for paired claims,
// the evidence (n_pairs, test, p_value, p_adjusted, effect with its 95 % CI, alpha). Kinds are
// registered one file each (check.h); an artifact's paired claims form one Holm–Bonferroni
// family; `golden_verdicts` gates the claim verdicts against the golden file.
#include <filesystem>
#include <string>
#include <vector>

#include "suite/checks/check.h"
#include "suite/checks/runs.h"
#include "suite/results/tree.h"

namespace spikebench::checks {

struct Outcome {
  std::string name, kind;
  Verdict verdict = Verdict::skip;
  std::string reason;
};

/// Checks parsed checks against the planned runs, before anything runs (an Error names the key).
void validate(const CheckList& checks, const std::vector<RunAttrs>& planned);

/// Evaluates `checks` against `root`; replaces root's /checks group and
/// /summary/lr_sensitivity.
std::vector<Outcome> evaluate(results::Group& root, const CheckList& checks,
                              const Options& options);

/// Default baselines folder: $SPIKEBENCH_BASELINES, else <source tree>/baselines.
std::filesystem::path default_baselines_dir();
/// The golden file of an artifact's results:
/// baselines/<scale>/<artifact>.<cpu_vendor>.<cpu_isa>.yaml when one exists for the results'
/// machine (a regime whose values, and even verdicts, differ between CPUs keeps one file per vendor
/// and instruction set: docs/reliability.md), else baselines/<scale>/<artifact>.yaml.
/// --update-golden rewrites the file this returns.
std::filesystem::path golden_file(const std::filesystem::path& baselines_dir,
                                  const std::string& scale, const std::string& artifact,
                                  const results::Group& root);
/// The machine's own file of the rule above, whether or not it exists (--machine-golden).
std::filesystem::path machine_golden_file(const std::filesystem::path& baselines_dir,
                                          const std::string& scale, const std::string& artifact,
                                          const results::Group& root);

}  // namespace spikebench::checks
