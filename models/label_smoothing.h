#pragma once
// Label-smoothed cross entropy (Szegedy et al. 2016), as fairseq's label_smoothed_cross_entropy
// criterion that the paper's MT setup (App. D, Takase et al. 2023) trains with (ε = 0.1).
#include <torch/types.h>

namespace spikebench::models {

/// Sums over the non-pad target tokens. With p = log_softmax(logits), ε_i = ε / (V - 1):
///   nll  = -p[y]
///   loss = (1 - ε - ε_i) · nll + ε_i · Σ_v -p[v]
/// i.e. the cross entropy against 1 - ε on the target and ε / (V - 1) on every other token.
struct LabelSmoothedLoss {
  torch::Tensor loss;  // scalar, summed
  torch::Tensor nll;   // scalar, summed (the unsmoothed cross entropy)
  int64_t tokens = 0;  // non-pad targets
};

/// logits (B,T,V), target (B,T) int64; targets equal to `pad` are ignored.
LabelSmoothedLoss label_smoothed_cross_entropy(const torch::Tensor& logits,
                                               const torch::Tensor& target, double epsilon,
                                               int64_t pad);

}  // namespace spikebench::models
