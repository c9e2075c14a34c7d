// QKV clipping (OLMo 1.7 / OLMo-0424's `clip_qkv: 8.0`, Groeneveld et al. 2024; DBRX's
// `clip_qkv: 8`): the output of the fused W_QKV projection is clamped elementwise to [−c, c]
// before it is split into queries, keys and values (OLMo: `qkv.clamp_(min=-clip_qkv,
// max=clip_qkv)` after att_proj), so no attention logit can grow without bound; the gradient
// of a clamped element is zero. c = `qkv_clip` (8).
#include <torch/torch.h>

#include "models/stabilizer.h"

namespace spikebench::models {
namespace {

class QKVClip : public StabilizerImpl {
 public:
  static std::vector<Setting> settings() {
    return {{"qkv_clip", "8.0", 1e-3, 1e6, "qkv_clip: c of clamp(QKV output, −c, c) (OLMo 1.7 8)",
             true}};
  }
  explicit QKVClip(const ModelConfig& c) : c_(c.setting("qkv_clip")) {}
  torch::Tensor qkv(const torch::Tensor& y) override { return y.clamp(-c_, c_); }

 private:
  double c_;
};

SPIKEBENCH_LAYER_STABILIZER("qkv_clip",
                            "QKV clipping: clamp the W_QKV output to ±c (OLMo 1.7, DBRX: 8)",
                            QKVClip);

}  // namespace
}  // namespace spikebench::models
