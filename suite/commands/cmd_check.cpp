// spikebench check RESULTS.h5: re-evaluates the checks from the results file alone.
#include <cstdio>

#include "cli/command.h"
#include "cli/options.h"
#include "suite/pipeline.h"

namespace spikebench::cli {
namespace {

int run(const std::vector<std::string>& args) {
  po::options_description opts("check options");
  std::vector<std::string> files;
  std::optional<std::string> baselines;
  checks::Options o{checks::default_baselines_dir()};
  opts.add_options()("file", po::value(&files)->required(), "results files")(
      "baselines", maybe(&baselines), "baselines folder (default: the source tree's)")(
      "update-verdicts", po::bool_switch(&o.update_verdicts),
      "rewrite only the claim verdicts of each file's golden file (values kept): after a "
      "deliberate change of the statistics, committed with the reason")(
      "update-golden", po::bool_switch(&o.update_golden),
      "rewrite each file's golden file (values and verdicts) from the results — the one "
      "for the results' CPU vendor and instruction set when it exists (checks::golden_file)")(
      "machine-golden", po::bool_switch(&o.machine_golden),
      "use the results' machine file, <artifact>.<cpu_vendor>.<cpu_isa>.yaml, even where it "
      "does not exist yet (with --update-golden: create it, for a regime whose values differ "
      "between CPUs; docs/reliability.md)");
  if (!parse("check",
             "RESULTS.h5... [--baselines DIR] [--update-verdicts | --update-golden "
             "[--machine-golden]]",
             opts, {{"file", -1}}, args))
    return 0;
  if (baselines) o.baselines_dir = *baselines;
  int failed = 0;
  for (const auto& f : files) {
    auto outcomes = recheck(f, o);
    std::printf("%s\n", f.c_str());
    print_checks(outcomes);
    for (const auto& c : outcomes) failed += c.verdict == checks::Verdict::fail;
  }
  std::printf("%d failed checks\n", failed);
  return failed > 0 ? 1 : 0;
}

SPIKEBENCH_COMMAND("check", run);

}  // namespace
}  // namespace spikebench::cli
