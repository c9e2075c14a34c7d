// spikebench check RESULTS.h5: re-evaluates the checks from the results file alone.
#include <cstdio>

#include "cli/command.h"
#include "cli/options.h"
#include "suite/pipeline.h"

namespace spikebench::cli {
namespace {

int run(const std::vector<std::string>& args) {
  po::options_description opts("check options");
  opts.add_options()("file", po::value<std::vector<std::string>>()->required(), "results files")(
      "baselines", po::value<std::string>(), "baselines folder (default: the source tree's)")(
      "update-verdicts", po::bool_switch(),
      "rewrite only the claim verdicts of each file's golden file (values kept): after a "
      "deliberate change of the statistics, committed with the reason")(
      "update-golden", po::bool_switch(),
      "rewrite each file's golden file (values and verdicts) from the results — the one "
      "for the results' instruction set when it exists (checks::golden_file)");
  auto vm = parse("check", "RESULTS.h5... [--baselines DIR] [--update-verdicts | --update-golden]",
                  opts, {{"file", -1}}, args);
  if (!vm) return 0;
  checks::Options o{checks::default_baselines_dir(), (*vm)["update-golden"].as<bool>()};
  o.update_verdicts = (*vm)["update-verdicts"].as<bool>();
  if (vm->count("baselines")) o.baselines_dir = (*vm)["baselines"].as<std::string>();
  int failed = 0;
  for (const auto& f : (*vm)["file"].as<std::vector<std::string>>()) {
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
