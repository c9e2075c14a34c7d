// SPAM (Huang et al. 2025, "SPAM: Spike-Aware Adam with Momentum Reset for Stable LLM
// Training"; the authors' optimizer, TianjinYellow/SPAM-Optimizer, galore_torch/SPAM.py), on the
// run's AdamW. At update t (1-based):
//   - momentum reset: when t mod ΔT = 0 (`spam_interval`, 500) both moments are zeroed before
//     the update (the bias-correction count goes on, as in the authors' code);
//   - spike-aware clipping, from t ≥ 20 and 20 updates after each reset (the moment is 0 just
//     after one): an element with g² > θ·v (v the previous second moment, θ = `spam_threshold`,
//     5000) becomes sign(g)·sqrt(θ·v);
//   - after a reset, the learning rate rises again over `spam_warmup` (150) updates by the
//     authors' cosine, 1 − 0.99·(1 + cos(π k / (W + 1)))/2 at k updates since the reset.
// Choices (docs/fidelity.md): the warm-up factor scales the decoupled weight decay with the lr
// (SPAM's code decays with the unscaled lr); SPAM's own Adam has no weight decay by default and
// the run's (the recipe's) is kept.
#include <cmath>

#include "suite/engine/intervention.h"

namespace spikebench::engine {
namespace {

constexpr int64_t kClipDelay = 20;  // the authors' fixed delay after the start and each reset

class Spam final : public RecordingIntervention {
 public:
  Spam(const models::SettingValues& s, results::Group& g)
      : RecordingIntervention(g),
        theta_(models::setting_value(s, "spam_threshold")),
        interval_(static_cast<int64_t>(models::setting_value(s, "spam_interval"))),
        warmup_(static_cast<int64_t>(models::setting_value(s, "spam_warmup"))) {}
  std::string name() const override { return "spam"; }

  void before_step(OptimizerStep& s) override {
    torch::NoGradGuard no_grad;
    const int64_t t = s.step + 1;
    auto& state = s.optimizer->state();
    const bool reset = t % interval_ == 0;
    int64_t clipped = 0;
    for (auto& p : *s.params) {
      if (!p.grad().defined()) continue;
      auto it = state.find(p.unsafeGetTensorImpl());
      if (it == state.end()) continue;  // the first update: no moments yet
      auto& st = static_cast<torch::optim::AdamWParamState&>(*it->second);
      if (reset) st.exp_avg().zero_(), st.exp_avg_sq().zero_();
      if (t >= kClipDelay && t % interval_ >= kClipDelay) {
        auto g = p.grad();
        const auto bound = (theta_ * st.exp_avg_sq()).sqrt();
        const auto mask = g.square() > theta_ * st.exp_avg_sq();
        clipped += mask.sum().item<int64_t>();
        g.copy_(torch::where(mask, g.sign() * bound, g));
      }
    }
    if (reset) last_reset_ = t;
    const int64_t k = last_reset_ > 0 ? t - last_reset_ : warmup_ + 1;  // none yet: no warm-up
    if (k < warmup_) {
      const double f =
          1 - 0.99 *
                  (1 + std::cos(M_PI * static_cast<double>(k) / static_cast<double>(warmup_ + 1))) /
                  2;
      s.lr_scale.assign(s.params->size(), f);
    }
    if (clipped > 0 || reset) acted(s.step, "elements_clipped", static_cast<double>(clipped));
  }

  bool has_state() const override { return true; }
  void save(torch::serialize::OutputArchive& a) const override {
    write_values(a, "last_reset", {static_cast<double>(last_reset_)});
  }
  void load(torch::serialize::InputArchive& a) override {
    last_reset_ = static_cast<int64_t>(read_values(a, "last_reset").at(0));
  }

 private:
  double theta_;
  int64_t interval_, warmup_;
  int64_t last_reset_ = 0;
};

SPIKEBENCH_REGISTER(
    InterventionKind, "spam",
    (InterventionKind{"SPAM: spike-aware clipping g² > θv, momentum reset every ΔT with a cosine "
                      "lr warm-up (Huang et al. 2025)",
                      {{"spam_threshold", "5000.0", 1, 1e12, "spam: θ of g² > θ·v", true},
                       {"spam_interval", "500", 20, 1e9, "spam: ΔT, updates between resets", true},
                       {"spam_warmup", "150", 0, 1e9, "spam: lr warm-up after a reset", true}},
                      [](const models::SettingValues& s, results::Group& g) {
                        return std::make_unique<Spam>(s, g);
                      }}));

}  // namespace
}  // namespace spikebench::engine
