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

int run(const std::vector<std::string>& args) {
  po::options_description opts("reproduce options");
  add_run_options(opts);
  opts.add_options()("only", po::value<std::vector<std::string>>()->composing(),
                     "artifacts to run (default: all)")(
      "plan", po::bool_switch(),
      "print the plan (runs, tokens, model FLOPs, GPU-hours per artifact) and exit")(
      "gpu", po::value<std::string>()->default_value("H100"),
      "accelerator the plan's GPU-hours are for: H100 | H100 PCIe | H200 | A100")(
      "mfu", po::value<double>()->default_value(0.0),
      "model-FLOPs utilization for the plan (0: measured in --out at this scale, else 0.40 "
      "labelled assumed)")("no-report", po::bool_switch(), "skip the HTML report");
  auto vm = parse("reproduce", "[--scale cpu|gpu|paper] [--out DIR] [--only NAME]... [--plan]",
                  opts, {}, args);
  if (!vm) return 0;
  RunOptions o = run_options(*vm, args, "reproduce");
  // Data parallel: every rank runs every artifact, rank 0 alone prints and writes.
  const bool writer = !o.comm || o.comm->world().is_main();
  o.cache = std::make_shared<RunCache>();  // an artifact's run that repeats another's is reused
  std::vector<Study> studies;
  if (vm->count("only"))
    for (const auto& n : (*vm)["only"].as<std::vector<std::string>>())
      studies.push_back(find_study(n));
  else
    for (auto& s : artifacts())
      if (!s.beyond_paper) studies.push_back(std::move(s));  // `--only related` runs those
  const bool plan_only =
      (*vm)["plan"].as<bool>() || (o.scale != "cpu" && !std::getenv("SPIKEBENCH_RUN_LARGE"));
  // Every rank resolves every grid first, so a bad --set or study fails all ranks here alike
  // (a data-parallel rank must not run on while another has stopped).
  for (const auto& s : studies)
    if (s.declares(o.scale)) s.runs(o.scale, o.seeds, o.sets);
  if (plan_only || o.scale != "cpu") {
    if (writer) {
      PlanOptions p;
      p.gpu = (*vm)["gpu"].as<std::string>(), p.mfu = (*vm)["mfu"].as<double>();
      print_plan(studies, o, p);
    }
    if (plan_only) {
      if (o.scale != "cpu" && writer)
        std::printf(
            "(gpu/paper scales print the plan; SPIKEBENCH_RUN_LARGE=1 runs it here, each "
            "artifact skipping what this machine lacks: CUDA, prepared shards)\n");
      return 0;
    }
  } else if (writer) {
    int total = 0;
    for (const auto& s : studies) {
      const auto skip = s.skip_reason(o.scale);
      const size_t n = skip.empty() ? s.runs(o.scale, o.seeds, o.sets).size() : 0;
      total += static_cast<int>(n);
      std::printf("  %-4s %-11s %3zu runs  %s\n", s.id.c_str(), s.name.c_str(), n,
                  skip.empty() ? "" : ("skipped: " + skip).c_str());
    }
    std::printf("plan: %zu artifacts, %d runs at scale %s\n", studies.size(), total,
                o.scale.c_str());
  }
  int regressions = 0, findings = 0, index = 0;
  std::vector<std::string> errors;
  for (const auto& s : studies) {
    if (writer)
      std::printf("== [%d/%zu] %s %s\n", ++index, studies.size(), s.id.c_str(), s.name.c_str());
    std::fflush(stdout);
    try {  // one artifact's failure is reported, and the others still run
      const RunReport r = run_study(s, o);
      if (r.skipped || !r.writer) continue;
      print_checks(r.checks);
      for (const auto& c : r.checks) {
        if (c.verdict != checks::Verdict::fail) continue;
        // Regressions gate; a paper claim that fails at this scale is a finding, reported.
        (c.kind == "golden" || c.kind == "golden_verdicts" ? regressions : findings) += 1;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "spikebench: error: %s\n", e.what());
      errors.push_back(s.name);
    }
  }
  if (!writer) return errors.empty() ? 0 : 1;
  if (!errors.empty())
    std::printf("reproduce: %zu artifacts failed to run: %s\n", errors.size(),
                join(errors, ", ").c_str());
  if (!(*vm)["no-report"].as<bool>()) report::render(o.out_dir);
  std::printf(
      "reproduce: %zu artifacts; %d claim checks fail at scale %s (findings, see the report); "
      "%d regressions against golden files; report: %s\n",
      studies.size(), findings, o.scale.c_str(), regressions,
      (o.out_dir / "report" / "index.html").c_str());
  return regressions > 0 || !errors.empty() ? 1 : 0;
}

SPIKEBENCH_COMMAND("reproduce", run);

}  // namespace
}  // namespace spikebench::cli
