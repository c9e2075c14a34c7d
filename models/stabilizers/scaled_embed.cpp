// Scaled Embed (§3.2, Vaswani et al. 2017): embeddings multiplied by sqrt(d), so their standard
// deviation becomes sqrt(2/5) under σ = sqrt(2/(5d)) — the paper's proposed modification.
#include <torch/torch.h>

#include <cmath>

#include "models/stabilizer.h"

namespace spikebench::models {
namespace {

class ScaledEmbed : public StabilizerImpl {
 public:
  explicit ScaledEmbed(const ModelConfig& c) : scale_(std::sqrt(static_cast<double>(c.d))) {}
  torch::Tensor embed(const torch::Tensor& x) override { return x * scale_; }

 private:
  double scale_;
};

SPIKEBENCH_STABILIZER("scaled_embed", "§3.2: e·sqrt(d) (the paper's method)", ScaledEmbed);

}  // namespace
}  // namespace spikebench::models
