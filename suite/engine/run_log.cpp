#include "suite/engine/run_log.h"

#include <cstdio>
#include <tuple>

#include "suite/engine/intervention.h"

namespace spikebench::engine {

torch::Device pick_device(DeviceChoice choice, const Environment& env, int local_rank) {
  if (choice == DeviceChoice::cpu || !env.cuda) return torch::kCPU;
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank));
}

void truncate_after(results::Group& g, int64_t last) {
  for (auto& [name, child] : g.groups) {
    truncate_after(*child, last);
    auto it = child->datasets.find("step");
    if (it == child->datasets.end()) continue;
    std::vector<bool> keep;
    for (double s : it->second.values) keep.push_back(static_cast<int64_t>(s) <= last);
    for (auto& [dname, ds] : child->datasets) ds.keep_rows(keep);
  }
}

int64_t start_or_resume(RunContext& ctx, TrainState& state) {
  auto& g = ctx.group;
  if (ctx.resume)
    if (const auto at = load_checkpoint(ctx.checkpoint_dir, state)) {
      truncate_after(g, *at - 1);
      if (state.rank == 0)
        std::fprintf(stderr, "  resumed %s at update %lld\n", ctx.run.name.c_str(),
                     static_cast<long long>(*at));
      return *at;
    }
  for (const char* s : {"train", "valid", "layers", "spikes", "eval"}) g.groups.erase(s);
  for (const char* s : Injections::kKinds) g.groups.erase(s);
  for (const auto& s : Registry<InterventionKind>::instance().names()) g.groups.erase(s);
  for (const char* s : {"train/step", "valid/step", "layers/step", "spikes/loss/step",
                        "spikes/grad_norm/step", "train/tokens", "train/skipped"})
    g.dataset(s).integer = true;
  return 0;
}

void log_update(results::Group& g, int64_t step, int64_t tokens, double lr, double seconds,
                const StepStats& st, const Observation& obs) {
  g.dataset("train/step").append(static_cast<double>(step));
  g.dataset("train/tokens").append(static_cast<double>(tokens));
  g.dataset("train/loss").append(st.loss);
  g.dataset("train/grad_norm").append(st.grad_norm);
  g.dataset("train/lr").append(lr);
  g.dataset("train/loss_scale").append(st.loss_scale);
  // Skipped: not a training signal (an fp16 overflow, or discarded by skip_nonfinite).
  g.dataset("train/skipped").append(st.overflow || st.verdict == StepVerdict::discard ? 1.0 : 0.0);
  g.dataset("train/seconds").append(seconds);
  for (auto [name, spike, value, z] :
       {std::tuple{"loss", obs.loss_spike, st.loss, obs.loss_z},
        std::tuple{"grad_norm", obs.grad_spike, st.grad_norm, obs.grad_z}}) {
    if (!spike) continue;
    g.dataset(std::string("spikes/") + name + "/step").append(static_cast<double>(step));
    g.dataset(std::string("spikes/") + name + "/value").append(value);
    g.dataset(std::string("spikes/") + name + "/z").append(z);
  }
}

}  // namespace spikebench::engine
