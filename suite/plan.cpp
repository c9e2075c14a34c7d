#include "suite/plan.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "models/config.h"
#include "suite/engine/peak_flops.h"
#include "suite/model_config.h"
#include "suite/results/store.h"
#include "suite/runner.h"

namespace spikebench {
namespace {

namespace fs = std::filesystem;

/// Median MFU of finished runs in out_dir/*-<scale>.h5, and the files it came from.
std::pair<double, std::vector<std::string>> measured_mfu(const fs::path& out_dir,
                                                         const std::string& scale) {
  std::vector<double> mfu;
  std::vector<std::string> files;
  if (!fs::is_directory(out_dir)) return {0, files};
  for (const auto& e : fs::directory_iterator(out_dir)) {
    const auto name = e.path().filename().string();
    const std::string suffix = "-" + scale + ".h5";
    if (name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    try {
      const auto root = results::load(e.path());
      const auto* runs = root.find_group("runs");
      if (!runs) continue;
      size_t before = mfu.size();
      for (const auto& [run, g] : runs->groups)
        if (g->has_attr("mfu")) mfu.push_back(g->attr_number("mfu"));
      if (mfu.size() > before) files.push_back(name);
    } catch (const std::exception&) {
      // an unreadable file has nothing to tell the plan
    }
  }
  if (mfu.empty()) return {0, files};
  std::sort(mfu.begin(), mfu.end());
  return {mfu[mfu.size() / 2], files};
}

}  // namespace

int print_plan(const std::vector<Study>& studies, const RunOptions& o, const PlanOptions& p) {
  const std::string precision = o.scale == "cpu" ? "fp32" : "fp16";
  const auto peak = engine::peak_flops(p.gpu, precision);
  if (!peak) fail("--gpu '", p.gpu, "': unknown accelerator (known: H100, H100 PCIe, H200, A100)");
  auto [mfu, files] = measured_mfu(o.out_dir, o.scale);
  std::string mfu_source;
  if (p.mfu > 0) {
    mfu = p.mfu, mfu_source = "given (--mfu)";
  } else if (mfu > 0) {
    mfu_source = "measured: median of train_lm runs in " + join(files, ", ");
  } else {
    mfu = PlanOptions::kAssumedMfu;
    mfu_source = "ASSUMED (no train_lm run with a measured MFU in " + o.out_dir.string() +
                 " at scale " + o.scale + "; run one on a GPU, or pass --mfu)";
  }
  std::printf("  %-4s %-11s %5s %14s %12s %10s  %s\n", "id", "artifact", "runs", "train tokens",
              "model PFLOP", "GPU-hours", "");
  int total_runs = 0;
  double total_flops = 0;
  for (const auto& s : studies) {
    if (!s.declares(o.scale)) {
      std::printf("  %-4s %-11s %5s %14s %12s %10s  scale not declared\n", s.id.c_str(),
                  s.name.c_str(), "-", "-", "-", "-");
      continue;
    }
    const auto runs = s.runs(o.scale, o.seeds, o.sets);
    double tokens = 0, flops = 0;
    bool estimated = true;
    for (const auto& r : runs) {  // init-time measurements cost seconds, not GPU-hours: 0
      const Cost cost = r.typed->cost();
      tokens += cost.tokens, flops += cost.flops, estimated = estimated && cost.estimated;
    }
    total_runs += static_cast<int>(runs.size());
    total_flops += flops;
    const std::string skip = s.skip_reason(o.scale);
    if (!estimated)
      std::printf(
          "  %-4s %-11s %5zu %14s %12s %10s  not estimated (no FLOPs model for runner %s)\n",
          s.id.c_str(), s.name.c_str(), runs.size(), "-", "-", "?", s.runner.c_str());
    else if (flops > 0)
      std::printf("  %-4s %-11s %5zu %13.3gB %12.4g %10.1f  %s\n", s.id.c_str(), s.name.c_str(),
                  runs.size(), tokens / 1e9, flops / 1e15, flops / (*peak * mfu) / 3600,
                  skip.empty() ? "" : ("(declared skip: " + skip + ")").c_str());
    else
      std::printf("  %-4s %-11s %5zu %14s %12s %10s  %s\n", s.id.c_str(), s.name.c_str(),
                  runs.size(), "-", "-", "< 0.1", skip.empty() ? "" : ("(" + skip + ")").c_str());
  }
  std::printf("plan: %d runs at scale %s, %.4g PFLOP, %.1f GPU-hours on %s at MFU %.2f — MFU %s\n",
              total_runs, o.scale.c_str(), total_flops / 1e15, total_flops / (*peak * mfu) / 3600,
              p.gpu.c_str(), mfu, mfu_source.c_str());
  return total_runs;
}

}  // namespace spikebench
