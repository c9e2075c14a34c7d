// QK-Clip (Kimi K2, Kimi Team 2025, §2.1 "MuonClip"; used here with AdamW): after each optimizer
// step, every attention head whose largest logit of the update exceeded τ has its query and key
// weights rescaled so that it would not have:
//     S_max^h = max over the update's sequences and causal pairs (t' ≤ t) of q_t·k_t' / √d_h,
//     γ_h = min(1, τ / S_max^h),   W_q^h ← γ_h^α W_q^h,   W_k^h ← γ_h^(1−α) W_k^h,
// τ = `qk_clip_tau` (100, Kimi K2's), α = `qk_clip_alpha` (0.5). S_max is taken in the training
// forwards (all micro-batches of the update; not validation) from the queries and keys after
// the other stabilizers' QKV hooks. Choices (docs/fidelity.md): the heads' q and k biases are
// scaled with their weights (so a head's logits scale by exactly γ); the rescale follows every
// update, applied or not; with fp16 masters or data parallelism the training loop refuses it.
#include <torch/torch.h>

#include <cmath>

#include "models/stabilizer.h"

namespace spikebench::models {
namespace {

class QKClip : public StabilizerImpl {
 public:
  static std::vector<Setting> settings() {
    return {{"qk_clip_tau", "100.0", 1e-3, 1e9,
             "qk_clip: τ, the largest logit allowed (Kimi K2 100)", true},
            {"qk_clip_alpha", "0.5", 0, 1, "qk_clip: α, the query's share of the rescale", true}};
  }
  explicit QKClip(const ModelConfig& c)
      : tau_(c.setting("qk_clip_tau")),
        alpha_(c.setting("qk_clip_alpha")),
        d_(c.d),
        dh_(c.d_head()) {}

  void attention_qk(torch::Tensor& q, torch::Tensor& k) override {
    if (!is_training()) return;
    const auto s = max_attention_logits(q, k);  // (h)
    s_max_ = s_max_.defined() ? torch::maximum(s_max_, s) : s;
  }
  bool edits_weights() const override { return true; }
  void after_step(torch::nn::Linear& qkv) override {
    if (!s_max_.defined()) return;
    const auto s = s_max_;
    s_max_ = torch::Tensor();  // the next update's maximum starts afresh
    for (int64_t h = 0; h < s.size(0); ++h) {
      const double m = s[h].item<double>();
      if (!std::isfinite(m) || m <= tau_) continue;
      const double gamma = tau_ / m;
      const double fq = std::pow(gamma, alpha_), fk = std::pow(gamma, 1 - alpha_);
      qkv->weight.slice(0, h * dh_, (h + 1) * dh_).mul_(fq);            // rows of W_q: [0, d)
      qkv->weight.slice(0, d_ + h * dh_, d_ + (h + 1) * dh_).mul_(fk);  // W_k: [d, 2d)
      if (qkv->bias.defined()) {
        qkv->bias.slice(0, h * dh_, (h + 1) * dh_).mul_(fq);
        qkv->bias.slice(0, d_ + h * dh_, d_ + (h + 1) * dh_).mul_(fk);
      }
    }
  }

 private:
  double tau_, alpha_;
  int64_t d_, dh_;
  torch::Tensor s_max_;  // (h) over the update's training forwards so far
};

SPIKEBENCH_LAYER_STABILIZER("qk_clip",
                            "QK-Clip: after each step, W_q, W_k of a head whose max logit > τ "
                            "× (τ/S)^α, (τ/S)^(1−α) (Kimi K2's MuonClip, with AdamW)",
                            QKClip);

}  // namespace
}  // namespace spikebench::models
