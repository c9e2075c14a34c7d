// spikebench reproduce [--scale S]: every registered artifact at one scale, then the report.
#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "cli/command.h"
#include "suite/commands/run_options.h"
#include "suite/engine/distributed.h"
#include "suite/plan.h"
#include "suite/report/report.h"
#include "suite/run_cache.h"

namespace spikebench::cli {
namespace {

/// The artifacts `--only` names, else every artifact of the paper (`--only related` runs those
/// beyond it).
std::vector<Study> studies_of(const std::vector<std::string>& only) {
  std::vector<Study> studies;
  for (const auto& n : only) studies.push_back(find_study(n));
  if (only.empty())
    for (auto& s : artifacts())
      if (!s.beyond_paper) studies.push_back(std::move(s));
  return studies;
}

/// The cpu-scale plan: runs per artifact.
void print_cpu_plan(const std::vector<Study>& studies, const RunOptions& o) {
  int total = 0;
  for (const auto& s : studies) {
    const auto skip = s.skip_reason(o.scale);
    const size_t n = skip.empty() ? s.runs(o.scale, o.seeds, o.sets).size() : 0;
    total += static_cast<int>(n);
    std::printf("  %-4s %-11s %3zu runs  %s\n", s.id.c_str(), s.name.c_str(), n,
                skip.empty() ? "" : ("skipped: " + skip).c_str());
  }
  std::printf("plan: %zu artifacts, %d runs at scale %s\n", studies.size(), total, o.scale.c_str());
}

struct Tally {
  int regressions = 0, findings = 0;
  std::vector<std::string> errors;  // artifacts that failed to run
};

/// Runs every study; one artifact's failure is reported, and the others still run.
Tally run_all(const std::vector<Study>& studies, const RunOptions& o, bool writer) {
  Tally t;
  int index = 0;
  for (const auto& s : studies) {
    if (writer)
      std::printf("== [%d/%zu] %s %s\n", ++index, studies.size(), s.id.c_str(), s.name.c_str());
    std::fflush(stdout);
    try {
      const RunReport r = run_study(s, o);
      if (r.skipped || !r.writer) continue;
      print_checks(r.checks);
      for (const auto& c : r.checks) {
        if (c.verdict != checks::Verdict::fail) continue;
        // Regressions gate; a paper claim that fails at this scale is a finding, reported.
        (c.kind == "golden" || c.kind == "golden_verdicts" ? t.regressions : t.findings) += 1;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "spikebench: error: %s\n", e.what());
      t.errors.push_back(s.name);
    }
  }
  return t;
}

int run(const std::vector<std::string>& args) {
  po::options_description opts("reproduce options");
  RunFlags flags;
  std::vector<std::string> only;
  bool plan = false, no_report = false;
  PlanOptions p;
  add_run_options(opts, flags);
  opts.add_options()("only", po::value(&only)->composing(), "artifacts to run (default: all)")(
      "plan", po::bool_switch(&plan),
      "print the plan (runs, tokens, model FLOPs, GPU-hours per artifact) and exit")(
      "gpu", po::value(&p.gpu)->default_value("H100"),
      "accelerator the plan's GPU-hours are for: H100 | H100 PCIe | H200 | A100")(
      "mfu", po::value(&p.mfu)->default_value(0.0),
      "model-FLOPs utilization for the plan (0: measured in --out at this scale, else 0.40 "
      "labelled assumed)")("no-report", po::bool_switch(&no_report), "skip the HTML report");
  if (!parse("reproduce", "[--scale cpu|gpu|paper] [--out DIR] [--only NAME]... [--plan]", opts, {},
             args))
    return 0;
  RunOptions o = run_options(flags, args, "reproduce");
  // Data parallel: every rank runs every artifact, rank 0 alone prints and writes.
  const bool writer = !o.comm || o.comm->world().is_main();
  o.cache = std::make_shared<RunCache>();  // an artifact's run that repeats another's is reused
  const std::vector<Study> studies = studies_of(only);
  const bool plan_only = plan || (o.scale != "cpu" && !std::getenv("SPIKEBENCH_RUN_LARGE"));
  // Every rank resolves every grid first, so a bad --set or study fails all ranks here alike
  // (a data-parallel rank must not run on while another has stopped).
  for (const auto& s : studies)
    if (s.declares(o.scale)) s.runs(o.scale, o.seeds, o.sets);
  if (writer && (plan_only || o.scale != "cpu"))
    print_plan(studies, o, p);
  else if (writer)
    print_cpu_plan(studies, o);
  if (plan_only) {
    if (o.scale != "cpu" && writer)
      std::printf(
          "(gpu/paper scales print the plan; SPIKEBENCH_RUN_LARGE=1 runs it here, each "
          "artifact skipping what this machine lacks: CUDA, prepared shards)\n");
    return 0;
  }
  const Tally t = run_all(studies, o, writer);
  if (!writer) return t.errors.empty() ? 0 : 1;
  if (!t.errors.empty())
    std::printf("reproduce: %zu artifacts failed to run: %s\n", t.errors.size(),
                join(t.errors, ", ").c_str());
  if (!no_report) report::render(o.out_dir);
  std::printf(
      "reproduce: %zu artifacts; %d claim checks fail at scale %s (findings, see the report); "
      "%d regressions against golden files; report: %s\n",
      studies.size(), t.findings, o.scale.c_str(), t.regressions,
      (o.out_dir / "report" / "index.html").c_str());
  return t.regressions > 0 || !t.errors.empty() ? 1 : 0;
}

SPIKEBENCH_COMMAND("reproduce", run);

}  // namespace
}  // namespace spikebench::cli
