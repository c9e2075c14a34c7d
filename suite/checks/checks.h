#pragma once
// The checks engine: evaluates a study's expectations for one scale from a results tree alone
// (MLPerf-checker style) and writes /checks/<name> with kind, expected, actual, tolerance,
// statistic, verdict (pass | fail | skip) and reason. Typed kinds, no code in YAML:
//   range (alias ratio_range), ordering, paper_value, spike_count, param_count, status,
//   golden (per-run values vs baselines/<scale>/<artifact>.yaml), and golden_verdicts (the
//   claim verdicts recorded in the same golden file — what CI gates on).
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "suite/results/tree.h"

namespace spikebench::checks {

struct Outcome {
  std::string name, kind, verdict, reason;
};

struct Options {
  std::filesystem::path baselines_dir;  // holds paper.yaml and <scale>/<artifact>.yaml
  bool update_golden = false;           // rewrite the golden file from these results
};

/// Evaluates `expectations` (a YAML sequence) against `root`; replaces root's /checks group.
std::vector<Outcome> evaluate(results::Group& root, const YAML::Node& expectations,
                              const Options& options);

/// Default baselines folder: $SPIKEBENCH_BASELINES, else <source tree>/baselines.
std::filesystem::path default_baselines_dir();

/// A metric of one run: "DATASET:REDUCTION" (reductions: value, first, last, min, max, mean,
/// count, late_max [max over the last 90% of rows], first_over_last [layer 1 / layer N at the
/// first logged row], max_over_min) or
/// "@ATTR" for a run attribute. NaN when the data is missing.
double metric(const results::Group& run, const std::string& spec);

}  // namespace spikebench::checks
