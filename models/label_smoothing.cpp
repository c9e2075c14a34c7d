#include "models/label_smoothing.h"

#include <torch/torch.h>

namespace spikebench::models {

LabelSmoothedLoss label_smoothed_cross_entropy(const torch::Tensor& logits,
                                               const torch::Tensor& target, double epsilon,
                                               int64_t pad) {
  const auto V = logits.size(-1);
  auto lprobs = torch::log_softmax(logits.to(torch::kFloat).reshape({-1, V}), -1);  // (BT,V)
  auto y = target.reshape({-1, 1});
  auto keep = (y != pad).to(lprobs.scalar_type());  // (BT,1)
  auto nll = -lprobs.gather(1, y) * keep;
  auto smooth = -lprobs.sum(-1, /*keepdim=*/true) * keep;
  const double eps_i = epsilon / static_cast<double>(V - 1);
  LabelSmoothedLoss out;
  out.nll = nll.sum();
  out.loss = (1.0 - epsilon - eps_i) * out.nll + eps_i * smooth.sum();
  out.tokens = keep.sum().item<int64_t>();
  return out;
}

}  // namespace spikebench::models
