// QK-LayerNorm (Dehghani et al. 2023; Wortsman et al. 2023): a norm over d_head applied to the
// queries and keys of every head before Eq. (5)'s dot product, bounding attention-logit growth.
#include <torch/torch.h>

#include "models/norm.h"
#include "models/stabilizer.h"

namespace spikebench::models {
namespace {

class QKLayerNorm : public StabilizerImpl {
 public:
  explicit QKLayerNorm(const ModelConfig& c) {
    q_ = register_module("q", make_norm(c.norm, c.d_head(), c.bias, c.settings));
    k_ = register_module("k", make_norm(c.norm, c.d_head(), c.bias, c.settings));
  }
  void attention_qk(torch::Tensor& q, torch::Tensor& k) override {
    q = q_->forward(q);
    k = k_->forward(k);
  }

 private:
  std::shared_ptr<NormImpl> q_, k_;
};

SPIKEBENCH_LAYER_STABILIZER("qk_layernorm", "QK-norm: norm(q), norm(k) per head (Wortsman et al. 2023)",
                      QKLayerNorm);

}  // namespace
}  // namespace spikebench::models
