#pragma once
// Options shared by `run` and `reproduce`.
#include "cli/options.h"
#include "suite/pipeline.h"

namespace spikebench::cli {

void add_run_options(po::options_description& opts);
RunOptions run_options(const po::variables_map& vm, const std::vector<std::string>& args,
                       const std::string& command);

}  // namespace spikebench::cli
