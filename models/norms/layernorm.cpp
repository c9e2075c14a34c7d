// LayerNorm: (x - mean) / sqrt(var + eps) * g + b (Ba et al. 2016).
#include <torch/torch.h>

#include "models/norm.h"

namespace spikebench::models {
namespace {

class LayerNormImpl : public NormImpl {
 public:
  LayerNormImpl(int64_t d, bool bias) : d_(d) {
    weight = register_parameter("weight", torch::ones({d}));
    if (bias) this->bias = register_parameter("bias", torch::zeros({d}));
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    return torch::layer_norm(x, {d_}, weight, bias, kEps);
  }
  torch::Tensor weight, bias;

 private:
  static constexpr double kEps = 1e-5;
  int64_t d_;
};

SPIKEBENCH_REGISTER(NormKind, "layernorm",
                    [](int64_t d, bool bias) { return std::make_shared<LayerNormImpl>(d, bias); });

}  // namespace
}  // namespace spikebench::models
