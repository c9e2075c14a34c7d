// Scaled Embed (§3.2, Vaswani et al. 2017 §3.4): the token embeddings are multiplied by sqrt(d)
// before the positions are added — "we multiply embeddings by sqrt(d), which is introduced in
// the original Transformer paper ... then the standard deviations of embeddings become
// sqrt(2/5)" (σ = sqrt(2/(5d))). A narrow model initialized at a wider model's σ (sigma_d)
// scales by sqrt(sigma_d), so that the scaled token embeddings again have std sqrt(2/5).
#include <torch/torch.h>

#include <cmath>

#include "models/stabilizer.h"

namespace spikebench::models {
namespace {

class ScaledEmbed : public StabilizerImpl {
 public:
  explicit ScaledEmbed(const ModelConfig& c)
      : scale_(std::sqrt(static_cast<double>(c.sigma_d > 0 ? c.sigma_d : c.d))) {}
  torch::Tensor token_embedding(const torch::Tensor& e) override { return e * scale_; }

 private:
  double scale_;
};

SPIKEBENCH_STABILIZER("scaled_embed", "§3.2: token embeddings · sqrt(d) (the paper's method)",
                      ScaledEmbed);

}  // namespace
}  // namespace spikebench::models
