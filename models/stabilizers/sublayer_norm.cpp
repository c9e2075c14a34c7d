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
    attn_ = register_module("proj", make_norm(c.norm, c.d, c.bias, c.settings));
    ffn_ = register_module("fc2", make_norm(c.norm, c.d, c.bias, c.settings));
  }
  torch::Tensor sublayer(const torch::Tensor& y, Sublayer which) override {
    return (which == Sublayer::kAttention ? attn_ : ffn_)->forward(y);
  }

 private:
  std::shared_ptr<NormImpl> attn_, ffn_;
};

SPIKEBENCH_LAYER_STABILIZER("sublayer_norm", "norm after Proj and FC2 (Rybakov et al. 2024)",
                      SublayerNorm);

}  // namespace
}  // namespace spikebench::models
