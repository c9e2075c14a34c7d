// ReZero (Bachlechner et al. 2021, "ReZero is All You Need: Fast Convergence at Large Depth"):
// each residual branch is multiplied by a learned scalar α initialized to 0, x + α·F(x), so every
// layer starts as the identity. One α per layer, shared by its attention and FFN branches (the
// authors' ReZero Transformer layer: one `resweight` for both). ReZero proper also removes the
// layer norms; here the branches keep the arch's norms (Pre-LN: x + α·F(LN(x))) and `norm`
// decides them, so the method is comparable with the others at one architecture — a choice
// (docs/fidelity.md). α is 1-D: no weight decay (the decay rule, trainer.h).
#include <torch/torch.h>

#include "models/stabilizer.h"

namespace spikebench::models {
namespace {

class ReZero : public StabilizerImpl {
 public:
  explicit ReZero(const ModelConfig&) { alpha_ = register_parameter("alpha", torch::zeros({1})); }
  torch::Tensor sublayer(const torch::Tensor& y, Sublayer) override { return y * alpha_; }

 private:
  torch::Tensor alpha_;
};

SPIKEBENCH_LAYER_STABILIZER("rezero",
                            "ReZero: residual branches × a learned per-layer α, initialized to 0 "
                            "(Bachlechner et al. 2021)",
                            ReZero);

}  // namespace
}  // namespace spikebench::models
