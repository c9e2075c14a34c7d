#pragma once
// One training / measurement run of a study, fully resolved: what a runner executes
// (suite/runner.h) and what a study expands its grid into (suite/study.h).
#include <cmath>
#include <memory>
#include <string>

#include "suite/config/tree.h"

namespace spikebench {

struct ParsedConfig;  // suite/runner.h

struct RunSpec {
  std::string name;    // "scaled_embed-350m-lr5e-04-s0": the group under /runs
  std::string method;  // key of the study's `methods`
  std::string size;    // model flavor
  double lr = NAN;     // NaN when the study has no learning-rate axis
  int seed = 0;
  config::Tree config;  // runner defaults < study defaults < scale < method < grid < --set
  std::shared_ptr<const ParsedConfig> typed;  // `config` parsed by the runner, once
};

}  // namespace spikebench
