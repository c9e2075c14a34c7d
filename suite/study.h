#pragma once
// A study: a YAML grid (methods × sizes × lr × seeds) per scale, run by a registered runner,
// with expectations per scale. Every paper artifact is a study whose YAML is embedded in the
// binary (suite/artifacts/*.yaml); a user's STUDY.yaml has the same schema (docs/study.md).
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "suite/checks/check.h"
#include "suite/config/tree.h"
#include "suite/run_spec.h"

namespace spikebench {

struct Study {
  std::string name;    // artifact name ("fig2") or the YAML file's stem
  std::string id;      // paper artifact id ("A2"), empty for a user study
  std::string title;   // "Figure 2: ..."
  std::string paper;   // where in the paper ("§3.1, Fig. 2")
  std::string runner;  // registered runner executing each run
  std::string source;  // file the YAML came from (for messages)
  bool embedded = false;  // a registered artifact (found by name), else a STUDY.yaml path
  bool beyond_paper = false;  // not a paper artifact: listed apart, not run by `reproduce`
  double lr_failed_above = NAN;  // critical lr's failure: final valid loss above it (NaN: off)
  std::vector<std::string> aliases;
  config::Tree root;  // the file as read: /config's provenance copy, `show --yaml`, the prereg hash
  std::map<std::string, checks::CheckList> checks_by_scale;  // parsed once, with the study

  /// Whether `scale` is declared (possibly as a skip).
  bool declares(const std::string& scale) const;
  /// Scales this study declares (cpu, gpu, paper), in that order.
  std::vector<std::string> scales() const;
  /// The design note of `scale` (empty when none).
  std::string note(const std::string& scale) const;
  /// The study's methods, in the order the file declares them.
  std::vector<std::string> method_names() const;
  /// Non-empty when `scale` is declared meaningless for this study (the reason).
  std::string skip_reason(const std::string& scale) const;
  /// The resolved runs at `scale`: every key validated against the runner's defaults and each
  /// run's typed config parsed (RunSpec::typed), once.
  std::vector<RunSpec> runs(const std::string& scale, int seeds_override,
                            const std::vector<std::string>& sets) const;
  /// The checks declared for `scale`, as parsed with the study (empty when none).
  const checks::CheckList& checks(const std::string& scale) const;
  /// The expectations declared for `scale` as written (a list, possibly empty): what `show`
  /// prints and the pre-registration hashes.
  config::Tree expectations(const std::string& scale) const;
};

/// Parses a study from YAML text; `source` names it in errors.
Study parse_study(const std::string& yaml_text, const std::string& source);
/// An embedded artifact by name or alias, or a path to a STUDY.yaml.
Study find_study(const std::string& name_or_path);
/// Every embedded paper artifact, ordered by id (A1, A2, ... A12).
std::vector<Study> artifacts();

}  // namespace spikebench
