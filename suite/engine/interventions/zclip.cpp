// ZClip (Kumar et al. 2025, "ZClip: Adaptive Spike Mitigation for LLM Pre-Training";
// bluorion-com/ZClip, zclip/zclip.py, mode "zscore", clip_option "adaptive_scaling"): gradient-
// norm clipping against an EMA of the norm's mean μ and variance σ².
//   warm-up: the first `zclip_warmup` (25) norms only collect: μ, σ² = their mean and (population)
//            variance; the update is clipped by the global max norm alone (the recipe's `clip`);
//   then:    z = (‖g‖ − μ) / (σ + 1e-6); when z > z_thr (`zclip_z`, 2.5) the norm is clipped to
//            (μ + z_thr·σ / (z / z_thr)) · `zclip_factor` (1.0) — farther outliers harder —,
//            together with the global max norm (the smaller wins);
//            μ ← α μ + (1 − α) x,  σ² ← α σ² + (1 − α)(x − μ)² with the new μ (`zclip_alpha`,
//            0.97), x the clip value when clipped, else ‖g‖.
// ‖g‖ is the pre-clip global norm. Here it runs after the Trainer's global clipping and rescales
// by the factor that lands on ZClip's result (its coefficient over the one already applied).
// Choices (docs/fidelity.md): ZClip's percentile mode and its "mean" option are not offered; an
// update skipped by another intervention is not seen (its norm does not enter the EMA).
#include <cmath>

#include "suite/engine/intervention.h"

namespace spikebench::engine {
namespace {

class ZClip final : public RecordingIntervention {
 public:
  ZClip(const models::SettingValues& s, results::Group& g)
      : RecordingIntervention(g),
        alpha_(models::setting_value(s, "zclip_alpha")),
        z_thr_(models::setting_value(s, "zclip_z")),
        factor_(models::setting_value(s, "zclip_factor")),
        warmup_(static_cast<size_t>(models::setting_value(s, "zclip_warmup"))) {}
  std::string name() const override { return "zclip"; }

  void before_step(OptimizerStep& s) override {
    const double g = s.grad_norm;
    if (!initialized_) {
      buffer_.push_back(g);
      if (buffer_.size() >= warmup_) initialize();
      return;
    }
    const double sd = std::sqrt(var_);
    const double z = (g - mean_) / (sd + 1e-6);
    double x = g;
    if (z > z_thr_) {
      const double threshold = (mean_ + z_thr_ * sd / (z / z_thr_)) * factor_;
      // ZClip's coefficient min(clip, threshold) / (‖g‖ + 1e-6) over the one already applied.
      const double coef = std::min(s.clip_coef, threshold / (g + 1e-6));
      if (coef < s.clip_coef) {
        torch::NoGradGuard no_grad;
        for (auto& p : *s.params)
          if (p.grad().defined()) p.grad().mul_(coef / s.clip_coef);
      }
      x = threshold;
      acted(s.step, "threshold", threshold);
    }
    mean_ = alpha_ * mean_ + (1 - alpha_) * x;
    var_ = alpha_ * var_ + (1 - alpha_) * (x - mean_) * (x - mean_);
  }

  bool has_state() const override { return true; }
  void save(torch::serialize::OutputArchive& a) const override {
    write_values(a, "ema", {initialized_ ? 1.0 : 0.0, mean_, var_});
    write_values(a, "buffer", buffer_);
  }
  void load(torch::serialize::InputArchive& a) override {
    const auto e = read_values(a, "ema");
    initialized_ = e.at(0) != 0, mean_ = e.at(1), var_ = e.at(2);
    buffer_ = read_values(a, "buffer");
  }

 private:
  void initialize() {
    mean_ = 0;
    for (double v : buffer_) mean_ += v;
    mean_ /= static_cast<double>(buffer_.size());
    var_ = 0;
    for (double v : buffer_) var_ += (v - mean_) * (v - mean_);
    var_ /= static_cast<double>(buffer_.size());
    initialized_ = true;
    buffer_.clear();
  }
  double alpha_, z_thr_, factor_;
  size_t warmup_;
  bool initialized_ = false;
  double mean_ = 0, var_ = 0;
  std::vector<double> buffer_;
};

SPIKEBENCH_REGISTER(
    InterventionKind, "zclip",
    (InterventionKind{
        "ZClip: clip the grad norm when its z-score over an EMA of mean and variance > 2.5 "
        "(Kumar et al. 2025)",
        {{"zclip_alpha", "0.97", 0, 0.9999, "zclip: EMA factor of the norm's mean and variance",
          true},
         {"zclip_z", "2.5", 0.1, 100, "zclip: z-score threshold", true},
         {"zclip_factor", "1.0", 0.01, 10, "zclip: multiplier of the adaptive threshold", true},
         {"zclip_warmup", "25", 2, 1e6, "zclip: norms collected before the EMA starts", true}},
        [](const models::SettingValues& s, results::Group& g) {
          return std::make_unique<ZClip>(s, g);
        }}));

}  // namespace
}  // namespace spikebench::engine
