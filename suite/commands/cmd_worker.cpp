// spikebench worker STUDY --run NAME --file F: runs one grid point of a study in this process
// into F, a results file of that run alone. `run`/`reproduce --jobs N` start these; the parent
// alone writes the study's results file. Not needed by hand, but usable to re-run one point.
#include <sys/prctl.h>

#include <csignal>

#include "cli/command.h"
#include "suite/commands/run_options.h"

namespace spikebench::cli {
namespace {

int run(const std::vector<std::string>& args) {
  po::options_description opts("worker options");
  std::string study_name, run, file, checkpoint_dir, model_dir;
  bool progress = false;
  RunFlags flags;
  opts.add_options()("study", po::value(&study_name)->required(), "artifact name or STUDY.yaml")(
      "run", po::value(&run)->required(), "the run (grid point) name")(
      "file", po::value(&file)->required(), "results file of this run alone")(
      "checkpoint-dir", po::value(&checkpoint_dir)->required(), "the run's checkpoint folder")(
      "model-dir", po::value(&model_dir)->default_value(""),
      "where a trained model folder goes (save_model: true)")(
      "progress", po::bool_switch(&progress), "show the run's progress line");
  add_run_options(opts, flags);
  if (!parse("worker",
             "STUDY --run NAME --file F --checkpoint-dir DIR [--scale S] [--seeds N] "
             "[--data-dir DIR] [--resume] [--set KEY=VALUE]...",
             opts, {{"study", 1}}, args))
    return 0;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed parent takes its workers along
  const Study study = find_study(study_name);
  RunOptions o = run_options(flags, args, "worker");
  return run_one(study, o, run, file, checkpoint_dir, model_dir, progress);
}

SPIKEBENCH_COMMAND("worker", run);

}  // namespace
}  // namespace spikebench::cli
