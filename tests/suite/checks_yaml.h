#pragma once
// Tests state expectations as YAML text: these overloads parse it the way a study's reader does
// (suite/config/expectations.h) before the checks engine sees it.
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "suite/checks/checks.h"
#include "suite/config/expectations.h"

namespace spikebench::checks {

inline std::vector<Outcome> evaluate(results::Group& root, const YAML::Node& expectations,
                                     const Options& options,
                                     const std::string& where = "expectations") {
  return evaluate(root, config::expectations(expectations, where), options);
}

inline void validate(const YAML::Node& expectations, const std::vector<RunAttrs>& planned,
                     const std::string& where) {
  validate(config::expectations(expectations, where), planned);
}

}  // namespace spikebench::checks
