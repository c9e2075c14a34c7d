#pragma once
// Options shared by `run`, `reproduce`, `compare` and `worker`.
#include <optional>
#include <string>
#include <vector>

#include "cli/options.h"
#include "suite/pipeline.h"

namespace spikebench::cli {

/// The shared options as given (bound by add_run_options).
struct RunFlags {
  std::string scale = "cpu";
  int seeds = 0;
  std::string out = "results";
  std::optional<std::string> data_dir;
  bool resume = false, update_golden = false;
  std::vector<std::string> sets;
  int jobs = 0;
  std::string dist_backend = "auto";
};

void add_run_options(po::options_description& opts, RunFlags& flags);
/// The checked options, with the command line and (world size > 1) the communicator.
RunOptions run_options(const RunFlags& flags, const std::vector<std::string>& args,
                       const std::string& command);

}  // namespace spikebench::cli
