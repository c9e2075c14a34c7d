// Embed LN (§3.2, Dettmers et al. 2022; Le Scao et al. 2022): a norm applied to the embeddings,
// so the first shortcut has standard deviation ≈ 1.
#include <torch/torch.h>

#include "models/norm.h"
#include "models/stabilizer.h"

namespace spikebench::models {
namespace {

class EmbedLN : public StabilizerImpl {
 public:
  explicit EmbedLN(const ModelConfig& c) {
    norm_ = register_module("norm", make_norm(c.norm, c.d, c.bias, c.settings));
  }
  torch::Tensor embed(const torch::Tensor& x) override { return norm_->forward(x); }

 private:
  std::shared_ptr<NormImpl> norm_;
};

SPIKEBENCH_STABILIZER("embed_ln", "§3.2: LN(e), the model's norm applied to the embeddings",
                      EmbedLN);

}  // namespace
}  // namespace spikebench::models
