// Norm after QKV (Rybakov et al. 2024, "Methods of improving LLM training stability": the QKV,
// Proj and FC2 layers show the largest output growth; a LayerNorm after QKV allowed 1.5× higher
// learning rates): separate norms over d on the query, key and value outputs of the fused W_QKV
// projection, before they are split into heads. Unlike qk_layernorm (per head, over d_head, q
// and k only), it also normalizes the values. Its companion, the norm after Proj and FC2, is
// `sublayer_norm` (the same thing under its existing name).
#include <torch/torch.h>

#include "models/norm.h"
#include "models/stabilizer.h"

namespace spikebench::models {
namespace {

class QKVLayerNorm : public StabilizerImpl {
 public:
  explicit QKVLayerNorm(const ModelConfig& c) : d_(c.d) {
    q_ = register_module("q", make_norm(c.norm, c.d, c.bias, c.settings));
    k_ = register_module("k", make_norm(c.norm, c.d, c.bias, c.settings));
    v_ = register_module("v", make_norm(c.norm, c.d, c.bias, c.settings));
  }
  torch::Tensor qkv(const torch::Tensor& y) override {
    auto parts = y.split(d_, /*dim=*/-1);  // [q | k | v], each (B,T,d)
    return torch::cat({q_->forward(parts[0]), k_->forward(parts[1]), v_->forward(parts[2])}, -1);
  }

 private:
  int64_t d_;
  std::shared_ptr<NormImpl> q_, k_, v_;
};

SPIKEBENCH_LAYER_STABILIZER(
    "qkv_layernorm", "norm after QKV: norm(q), norm(k), norm(v) over d (Rybakov et al. 2024)",
    QKVLayerNorm);

}  // namespace
}  // namespace spikebench::models
