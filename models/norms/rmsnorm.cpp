// RMSNorm (Zhang & Sennrich 2019): x / sqrt(mean(x^2) + eps) * g. No bias, no centring (§5.3).
#include <torch/torch.h>

#include "models/norm.h"

namespace spikebench::models {
namespace {

class RMSNormImpl : public NormImpl {
 public:
  explicit RMSNormImpl(int64_t d) { weight = register_parameter("weight", torch::ones({d})); }
  torch::Tensor forward(const torch::Tensor& x) override {
    auto inv_rms = torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + kEps);
    return x * inv_rms * weight;
  }
  torch::Tensor weight;

 private:
  static constexpr double kEps = 1e-5;
};

SPIKEBENCH_REGISTER(NormKind, "rmsnorm",
                    [](int64_t d, bool) { return std::make_shared<RMSNormImpl>(d); });

}  // namespace
}  // namespace spikebench::models
