// LayerNorm: (x - mean) / sqrt(var + ε) * g + b (Ba et al. 2016). ε is its setting
// `layernorm_eps` (default 1e-5, PyTorch's and Megatron's).
#include <torch/torch.h>

#include "models/norm.h"

namespace spikebench::models {
namespace {

class LayerNormImpl : public NormImpl {
 public:
  LayerNormImpl(int64_t d, bool bias, double eps) : d_(d), eps_(eps) {
    weight = register_parameter("weight", torch::ones({d}));
    if (bias) this->bias = register_parameter("bias", torch::zeros({d}));
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    return torch::layer_norm(x, {d_}, weight, bias, eps_);
  }
  torch::Tensor weight, bias;

 private:
  int64_t d_;
  double eps_;
};

SPIKEBENCH_REGISTER(NormKind, "layernorm",
                    [](int64_t d, bool bias, const SettingValues& s) {
                      return std::make_shared<LayerNormImpl>(d, bias,
                                                             setting_value(s, "layernorm_eps"));
                    },
                    {{"layernorm_eps", "1.0e-05", 1e-12, 1.0,
                      "layernorm: ε in (x − mean) / sqrt(var + ε)",
                      /*omit_at_default=*/true}});

}  // namespace
}  // namespace spikebench::models
