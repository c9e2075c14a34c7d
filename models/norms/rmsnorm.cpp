// RMSNorm (Zhang & Sennrich 2019): x / sqrt(mean(x²) + ε) * g. No bias, no centring (§5.3).
// ε is its setting `rmsnorm_eps` (default 1e-5; OLMo 2 uses 1e-6).
#include <torch/torch.h>

#include "models/norm.h"

namespace spikebench::models {
namespace {

class RMSNormImpl : public NormImpl {
 public:
  RMSNormImpl(int64_t d, double eps) : eps_(eps) {
    weight = register_parameter("weight", torch::ones({d}));
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    auto inv_rms = torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps_);
    return x * inv_rms * weight;
  }
  torch::Tensor weight;

 private:
  double eps_;
};

SPIKEBENCH_REGISTER(NormKind, "rmsnorm",
                    [](int64_t d, bool, const SettingValues& s) {
                      return std::make_shared<RMSNormImpl>(d, setting_value(s, "rmsnorm_eps"));
                    },
                    {{"rmsnorm_eps", "1.0e-05", 1e-12, 1.0, "rmsnorm: ε in x / sqrt(mean(x²) + ε)",
                      /*omit_at_default=*/true}});

}  // namespace
}  // namespace spikebench::models
