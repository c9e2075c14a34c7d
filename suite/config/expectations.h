#pragma once
// A YAML list of expectations (a study's `expectations.<scale>`, or the copy a results file keeps
// in /config) parsed into checks (suite/checks/check.h): the reader hands each item to its check
// kind as a config::Reader naming the file, scale and index.
#include <yaml-cpp/yaml.h>

#include <string>

#include "suite/checks/check.h"

namespace spikebench::config {

checks::CheckList expectations(const YAML::Node& list, const std::string& where);

/// The expectations of `scale` in a results file's /config yaml attribute (the resolved study as
/// it ran): what `spikebench check` re-evaluates. Errors name `file`.
checks::CheckList recorded_expectations(const std::string& config_yaml, const std::string& scale,
                                        const std::string& file);

}  // namespace spikebench::config
