#include "models/stabilizer.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace spikebench::models {

std::vector<std::shared_ptr<StabilizerImpl>> make_stabilizers(const std::vector<std::string>& names,
                                                              const ModelConfig& config) {
  std::vector<std::shared_ptr<StabilizerImpl>> out;
  for (const auto& n : names)
    if (const auto& kind = Registry<StabilizerKind>::instance().get(n); kind.make)
      out.push_back(kind.make(config));
  return out;
}

std::vector<std::shared_ptr<StabilizerImpl>> make_layer_stabilizers(
    const std::vector<std::string>& names, const ModelConfig& config) {
  std::vector<std::shared_ptr<StabilizerImpl>> out;
  for (const auto& n : names)
    if (const auto& kind = Registry<StabilizerKind>::instance().get(n); kind.make_layer)
      out.push_back(kind.make_layer(config));
  return out;
}

torch::Tensor max_attention_logits(const torch::Tensor& q, const torch::Tensor& k) {
  torch::NoGradGuard no_grad;
  const auto T = q.size(2);
  auto z = torch::matmul(q, k.transpose(-2, -1)).to(torch::kFloat) /
           std::sqrt(static_cast<double>(q.size(3)));  // (B,h,T,T)
  const auto future = torch::ones({T, T}, torch::dtype(torch::kBool).device(q.device())).triu(1);
  z = z.masked_fill(future, -std::numeric_limits<float>::infinity());
  return z.amax({0, 2, 3}).to(torch::kDouble).cpu();
}

}  // namespace spikebench::models
