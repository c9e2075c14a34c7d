// Update clipping (StableAdamW: Wortsman et al. 2023, "Stable and low-precision training for
// large-scale vision-language models", Algorithm 2; optimi's StableAdamW): AdamW whose learning
// rate is lowered per tensor when the update would be larger than the second moment predicts,
//     RMS_t = sqrt(mean over the tensor of g_t² / max(v̂_t, ε²)),   η_t = lr / max(1, RMS_t / d),
// v̂_t the bias-corrected second moment *including* this update's gradient (Wortsman's
// bias-corrected betas make the stored v exactly that), d = `update_clip_threshold` (1.0).
// The scaled rate also scales the decoupled weight decay (the paper's and optimi's form; the
// authors' first gist decayed with the unscaled lr). ε is the AdamW ε of the run. It acts on the
// gradient the Trainer steps with — after global clipping when `clip` > 0; StableAdamW is meant
// to replace global clipping, so its leaderboard entry runs with `clip: 0`.
#include <algorithm>
#include <cmath>
#include <map>

#include "suite/engine/intervention.h"

namespace spikebench::engine {
namespace {

class UpdateClip final : public RecordingIntervention {
 public:
  UpdateClip(const models::SettingValues& s, results::Group& g)
      : RecordingIntervention(g), d_(models::setting_value(s, "update_clip_threshold")) {}
  std::string name() const override { return "update_clip"; }

  void before_step(OptimizerStep& s) override {
    torch::NoGradGuard no_grad;
    std::map<const void*, size_t> index;
    for (size_t i = 0; i < s.params->size(); ++i) index[(*s.params)[i].unsafeGetTensorImpl()] = i;
    s.lr_scale.assign(s.params->size(), 1.0);
    double min_scale = 1.0;
    for (auto& group : s.optimizer->param_groups()) {
      const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
      const double beta2 = std::get<1>(o.betas()), eps = o.eps();
      for (auto& p : group.params()) {
        if (!p.grad().defined()) continue;
        const auto g2 = p.grad().to(torch::kDouble).square();
        torch::Tensor v = (1 - beta2) * g2;  // v_t = β2 v_{t−1} + (1 − β2) g²
        int64_t t = 1;
        auto& state = s.optimizer->state();
        if (auto it = state.find(p.unsafeGetTensorImpl()); it != state.end()) {
          const auto& st = static_cast<const torch::optim::AdamWParamState&>(*it->second);
          v = v + beta2 * st.exp_avg_sq().to(torch::kDouble);
          t = st.step() + 1;
        }
        const auto v_hat = v / (1 - std::pow(beta2, static_cast<double>(t)));
        const double rms = (g2 / v_hat.clamp_min(eps * eps)).mean().sqrt().item<double>();
        const double scale = 1.0 / std::max(1.0, rms / d_);
        s.lr_scale[index.at(p.unsafeGetTensorImpl())] = scale;
        min_scale = std::min(min_scale, scale);
      }
    }
    if (min_scale < 1.0) acted(s.step, "min_lr_scale", min_scale);
  }

 private:
  double d_;
};

SPIKEBENCH_REGISTER(InterventionKind, "update_clip",
                    (InterventionKind{
                        "StableAdamW update clipping: per tensor lr / max(1, RMS(g²/v̂)) "
                        "(Wortsman et al. 2023)",
                        {{"update_clip_threshold", "1.0", 1e-3, 1e3,
                          "update_clip: d of lr / max(1, RMS/d)", true}},
                        [](const models::SettingValues& s, results::Group& g) {
                          return std::make_unique<UpdateClip>(s, g);
                        }}));

}  // namespace
}  // namespace spikebench::engine
