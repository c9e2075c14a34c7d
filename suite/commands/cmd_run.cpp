// spikebench run ARTIFACT|STUDY.yaml: runs one study at one scale, writes RESULTS.h5, checks it.
#include <cstdio>

#include "core/error.h"
#include "cli/command.h"
#include "suite/commands/run_options.h"

namespace spikebench::cli {
namespace {

int run(const std::vector<std::string>& args) {
  po::options_description opts("run options");
  std::string artifact, fail_on;
  RunFlags flags;
  bool confirmatory = false;
  std::string rerun_reason;
  opts.add_options()("artifact", po::value(&artifact)->required(), "artifact name or STUDY.yaml")(
      "fail-on", po::value(&fail_on)->default_value("any"),
      "exit 1 on: any failed check | regressions (golden values and claim verdicts; the CI gate)")(
      "confirmatory", po::bool_switch(&confirmatory),
      "a confirmatory run: the study must match its pre-registration (spikebench preregister); "
      "the attempt is appended to baselines/prereg/STUDY-SCALE.attempts")(
      "rerun-reason", po::value(&rerun_reason)->default_value(""),
      "why a second or later confirmatory attempt is allowed (the record's rerun rule)");
  add_run_options(opts, flags);
  if (!parse("run",
             "ARTIFACT|STUDY.yaml [--scale cpu|gpu|paper] [--seeds N] [--out DIR] "
             "[--data-dir DIR] [--resume] [--set KEY=VALUE]...",
             opts, {{"artifact", 1}}, args))
    return 0;
  if (fail_on != "any" && fail_on != "regressions")
    fail("--fail-on '", fail_on, "': valid values are any, regressions");
  const Study study = find_study(artifact);
  auto options = run_options(flags, args, "run");
  options.confirmatory = confirmatory;
  options.rerun_reason = rerun_reason;
  if (!options.confirmatory && !options.rerun_reason.empty())
    fail("--rerun-reason: only with --confirmatory");
  const RunReport r = run_study(study, options);
  if (!r.writer) return 0;  // a data-parallel rank other than 0: rank 0 reports
  if (r.skipped) {
    std::printf("%s: scale skipped: %s\n", study.name.c_str(), r.skip_reason.c_str());
    return 0;
  }
  std::printf("%s: %d runs (%d diverged) -> %s\n", study.name.c_str(), r.runs, r.diverged,
              r.file.c_str());
  print_checks(r.checks);
  int regressions = 0;
  for (const auto& c : r.checks)
    regressions +=
        c.verdict == checks::Verdict::fail && (c.kind == "golden" || c.kind == "golden_verdicts");
  std::printf("%zu checks: %d failed (%d regressions against golden files)\n", r.checks.size(),
              r.failed, regressions);
  return (fail_on == "any" ? r.failed : regressions) > 0 ? 1 : 0;
}

SPIKEBENCH_COMMAND("run", run);

}  // namespace
}  // namespace spikebench::cli
