#include "suite/commands/run_options.h"

#include <torch/cuda.h>

#include "core/error.h"
#include "suite/engine/distributed.h"

namespace spikebench::cli {

void add_run_options(po::options_description& opts) {
  opts.add_options()("scale", po::value<std::string>()->default_value("cpu"), "cpu | gpu | paper")(
      "seeds", po::value<int>()->default_value(0), "seeds per grid point (0 = the artifact's)")(
      "out", po::value<std::string>()->default_value("results"), "output folder")(
      "data-dir", po::value<std::string>(),
      "data folder (else $SPIKEBENCH_DATA_DIR, ../shared/data)")(
      "resume", po::bool_switch(),
      "continue an interrupted run from its results file and checkpoints")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override a run config key: KEY=VALUE")(
      "update-golden", po::bool_switch(),
      "rewrite baselines/<scale>/<artifact>.yaml from this run")(
      "jobs,j", po::value<int>()->default_value(0),
      "runs at once, each in its own process: 0 = as many as the cores allow for the runs' "
      "`threads` (2 single-thread cpu proxies on 2 cores), 1 = one at a time")(
      "dist-backend", po::value<std::string>()->default_value("auto"),
      "data parallel (launched by torchrun/srun env: RANK, WORLD_SIZE, MASTER_ADDR, ...): "
      "auto (NCCL on CUDA, else Gloo) | gloo | nccl");
}

RunOptions run_options(const po::variables_map& vm, const std::vector<std::string>& args,
                       const std::string& command) {
  RunOptions o;
  o.scale = vm["scale"].as<std::string>();
  if (o.scale != "cpu" && o.scale != "gpu" && o.scale != "paper")
    fail("--scale '", o.scale, "': valid scales are cpu, gpu, paper");
  o.seeds = vm["seeds"].as<int>();
  if (o.seeds < 0) fail("--seeds must be >= 0");
  o.out_dir = vm["out"].as<std::string>();
  if (vm.count("data-dir")) o.data_dir = vm["data-dir"].as<std::string>();
  o.resume = vm["resume"].as<bool>();
  o.update_golden = vm["update-golden"].as<bool>();
  o.jobs = vm["jobs"].as<int>();
  if (o.jobs < 0) fail("--jobs must be >= 0 (0: automatic)");
  if (vm.count("set")) o.sets = vm["set"].as<std::vector<std::string>>();
  o.command_line = "spikebench " + command;
  const auto world = engine::World::from_env();
  if (world.size > 1) {
    std::string backend = vm["dist-backend"].as<std::string>();
    if (backend == "auto") {
#ifdef SPIKEBENCH_CUDA
      backend = torch::cuda::is_available() ? "nccl" : "gloo";
#else
      backend = "gloo";
#endif
    }
    o.comm = std::make_shared<engine::Communicator>(world, backend);
  }
  for (const auto& a : args) o.command_line += " " + a;
  return o;
}

}  // namespace spikebench::cli
