// Norm after Proj and FC2 (Rybakov et al. 2024, "Methods of improving LLM training stability"):
// a norm on the outputs of W_O and W_2 before they join the shortcut.
#include <torch/torch.h>

#include "models/norm.h"
#include "models/stabilizer.h"

namespace spikebench::models {
namespace {

class SublayerNorm : public StabilizerImpl {
 public:
  explicit SublayerNorm(const ModelConfig& c) {
    for (int64_t i = 0; i < c.n_layers; ++i) {
      attn_.push_back(register_module("proj" + std::to_string(i), make_norm(c.norm, c.d, c.bias)));
      ffn_.push_back(register_module("fc2_" + std::to_string(i), make_norm(c.norm, c.d, c.bias)));
    }
  }
  torch::Tensor sublayer(const torch::Tensor& y, int64_t layer, Sublayer which) override {
    return (which == Sublayer::kAttention ? attn_ : ffn_)[layer]->forward(y);
  }

 private:
  std::vector<std::shared_ptr<NormImpl>> attn_, ffn_;
};

SPIKEBENCH_STABILIZER("sublayer_norm", "norm after Proj and FC2 (Rybakov et al. 2024)",
                      SublayerNorm);

}  // namespace
}  // namespace spikebench::models
