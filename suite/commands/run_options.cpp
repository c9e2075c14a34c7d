#include "suite/commands/run_options.h"

#include <torch/cuda.h>

#include "core/error.h"
#include "suite/engine/distributed.h"

namespace spikebench::cli {

void add_run_options(po::options_description& opts, RunFlags& f) {
  opts.add_options()("scale", po::value(&f.scale)->default_value(f.scale), "cpu | gpu | paper")(
      "seeds", po::value(&f.seeds)->default_value(f.seeds),
      "seeds per grid point (0 = the artifact's)")("out", po::value(&f.out)->default_value(f.out),
                                                   "output folder")(
      "data-dir", maybe(&f.data_dir), "data folder (else $SPIKEBENCH_DATA_DIR, ../shared/data)")(
      "resume", po::bool_switch(&f.resume),
      "continue an interrupted run from its results file and checkpoints")(
      "set", po::value(&f.sets)->composing(), "override a run config key: KEY=VALUE")(
      "update-golden", po::bool_switch(&f.update_golden),
      "rewrite baselines/<scale>/<artifact>.yaml from this run")(
      "jobs,j", po::value(&f.jobs)->default_value(f.jobs),
      "runs at once, each in its own process: 0 = as many as the cores allow for the runs' "
      "`threads` (2 single-thread cpu proxies on 2 cores), 1 = one at a time")(
      "dist-backend", po::value(&f.dist_backend)->default_value(f.dist_backend),
      "data parallel (launched by torchrun/srun env: RANK, WORLD_SIZE, MASTER_ADDR, ...): "
      "auto (NCCL on CUDA, else Gloo) | gloo | nccl");
}

RunOptions run_options(const RunFlags& f, const std::vector<std::string>& args,
                       const std::string& command) {
  RunOptions o;
  o.scale = f.scale;
  if (o.scale != "cpu" && o.scale != "gpu" && o.scale != "paper")
    fail("--scale '", o.scale, "': valid scales are cpu, gpu, paper");
  o.seeds = f.seeds;
  if (o.seeds < 0) fail("--seeds must be >= 0");
  o.out_dir = f.out;
  o.data_dir = f.data_dir;
  o.resume = f.resume;
  o.update_golden = f.update_golden;
  o.jobs = f.jobs;
  if (o.jobs < 0) fail("--jobs must be >= 0 (0: automatic)");
  o.sets = f.sets;
  o.command_line = "spikebench " + command;
  const auto world = engine::World::from_env();
  if (world.size > 1) {
    std::string backend = f.dist_backend;
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
