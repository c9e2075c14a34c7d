// spikebench reproduce [--scale S]: every registered artifact at one scale, then the report.
#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "suite/cli/command.h"
#include "suite/cli/run_options.h"
#include "suite/report/report.h"

namespace spikebench::cli {
namespace {

int run(const std::vector<std::string>& args) {
  po::options_description opts("reproduce options");
  add_run_options(opts);
  opts.add_options()("only", po::value<std::vector<std::string>>()->composing(),
                     "artifacts to run (default: all)")(
      "plan", po::bool_switch(), "print the plan (runs per artifact) and exit")(
      "no-report", po::bool_switch(), "skip the HTML report");
  auto vm = parse("reproduce", "[--scale cpu|gpu|paper] [--out DIR] [--only NAME]... [--plan]",
                  opts, {}, args);
  if (!vm) return 0;
  RunOptions o = run_options(*vm, args, "reproduce");
  std::vector<Study> studies;
  if (vm->count("only"))
    for (const auto& n : (*vm)["only"].as<std::vector<std::string>>())
      studies.push_back(find_study(n));
  else
    studies = artifacts();
  const bool plan_only =
      (*vm)["plan"].as<bool>() || (o.scale != "cpu" && !std::getenv("SPIKEBENCH_RUN_LARGE"));
  int total = 0;
  for (const auto& s : studies) {
    const auto skip = s.skip_reason(o.scale);
    const size_t n = skip.empty() ? s.runs(o.scale, o.seeds, o.sets).size() : 0;
    total += static_cast<int>(n);
    std::printf("  %-4s %-11s %3zu runs  %s\n", s.id.c_str(), s.name.c_str(), n,
                skip.empty() ? "" : ("skipped: " + skip).c_str());
  }
  std::printf("plan: %zu artifacts, %d runs at scale %s\n", studies.size(), total, o.scale.c_str());
  if (plan_only) {
    if (o.scale != "cpu")
      std::printf(
          "(gpu/paper scales only print the plan; set SPIKEBENCH_RUN_LARGE=1 to run them here)\n");
    return 0;
  }
  int failed = 0, index = 0;
  for (const auto& s : studies) {
    std::printf("== [%d/%zu] %s %s\n", ++index, studies.size(), s.id.c_str(), s.name.c_str());
    std::fflush(stdout);
    const RunReport r = run_study(s, o);
    if (r.skipped) continue;
    print_checks(r.checks);
    failed += r.failed;
  }
  if (!(*vm)["no-report"].as<bool>()) report::render(o.out_dir);
  std::printf("reproduce: %d failed checks across %zu artifacts; report: %s\n", failed,
              studies.size(), (o.out_dir / "report" / "index.html").c_str());
  return failed > 0 ? 1 : 0;
}

SPIKEBENCH_COMMAND("reproduce",
                   "run every artifact at a scale (gpu/paper: print the plan), then report", run);

}  // namespace
}  // namespace spikebench::cli
