// AdaGC (Wang et al. 2025, "AdaGC: Improving Training Stability for Large Language Model
// Pretraining"; the authors' Megatron patch, lishuai-97/AdaGC, class AdaGC in clip_grads.py):
// per-tensor adaptive gradient clipping against an EMA of each tensor's own (clipped) norm.
//   warm-up (the first `adagc_warmup` updates, 100): global-norm clipping (the run's `clip`),
//            γ_i ← min(γ_i, ‖g_i‖) of the clipped gradient (the first update sets it);
//   then:    global clipping off; if ‖g_i‖ > λ·γ_i: g_i ← g_i · λγ_i / (‖g_i‖ + 1e-6) and
//            ‖g_i‖ ← λγ_i; γ_i ← β γ_i + (1 − β) ‖g_i‖ (the clipped norm),
// λ = `adagc_ratio` (the official 1.04), β = `adagc_beta` (0.99). Here the Trainer has already
// clipped globally; after warm-up AdaGC first undoes that factor (the gradient is the raw one
// again), as the method replaces global clipping.
#include <cmath>

#include "suite/engine/intervention.h"

namespace spikebench::engine {
namespace {

class AdaGC final : public RecordingIntervention {
 public:
  AdaGC(const models::SettingValues& s, results::Group& g)
      : RecordingIntervention(g),
        ratio_(models::setting_value(s, "adagc_ratio")),
        beta_(models::setting_value(s, "adagc_beta")),
        warmup_(static_cast<int64_t>(models::setting_value(s, "adagc_warmup"))) {}
  std::string name() const override { return "adagc"; }

  void before_step(OptimizerStep& s) override {
    torch::NoGradGuard no_grad;
    auto& params = *s.params;
    if (gamma_.empty()) gamma_.assign(params.size(), INFINITY);
    ++updates_;
    int64_t clipped = 0;
    for (size_t i = 0; i < params.size(); ++i) {
      if (!params[i].grad().defined()) continue;
      auto grad = params[i].grad();
      if (updates_ <= warmup_) {  // global clipping (the Trainer's), then the running minimum
        gamma_[i] = std::min(gamma_[i], grad.norm().item<double>());
        continue;
      }
      if (s.clip_coef < 1.0) grad.mul_(1.0 / s.clip_coef);  // the raw gradient again
      double n = grad.norm().item<double>();
      if (n > ratio_ * gamma_[i]) {
        grad.mul_(ratio_ * gamma_[i] / (n + 1e-6));
        n = ratio_ * gamma_[i];
        ++clipped;
      }
      gamma_[i] = beta_ * gamma_[i] + (1 - beta_) * n;
    }
    if (clipped > 0) acted(s.step, "tensors_clipped", static_cast<double>(clipped));
  }

  bool has_state() const override { return true; }
  void save(torch::serialize::OutputArchive& a) const override {
    write_values(a, "updates", {static_cast<double>(updates_)});
    write_values(a, "gamma", gamma_);
  }
  void load(torch::serialize::InputArchive& a) override {
    updates_ = static_cast<int64_t>(read_values(a, "updates").at(0));
    gamma_ = read_values(a, "gamma");
  }

 private:
  double ratio_, beta_;
  int64_t warmup_;
  std::vector<double> gamma_;  // per tensor of the stepped parameters
  int64_t updates_ = 0;
};

SPIKEBENCH_REGISTER(
    InterventionKind, "adagc",
    (InterventionKind{
        "AdaGC: per-tensor clipping at λ × an EMA of the tensor's clipped norm, after a "
        "global-clipping warm-up (Wang et al. 2025)",
        {{"adagc_ratio", "1.04", 1.0, 100, "adagc: λ_rel (official 1.04)", true},
         {"adagc_beta", "0.99", 0, 0.9999, "adagc: EMA factor of the per-tensor norms", true},
         {"adagc_warmup", "100", 1, 1e9, "adagc: updates of global clipping first", true}},
        [](const models::SettingValues& s, results::Group& g) {
          return std::make_unique<AdaGC>(s, g);
        }}));

}  // namespace
}  // namespace spikebench::engine
