#pragma once
// Initialization schemes chosen by name (§2.2, App. C): each returns the standard deviation of
// N(0, σ) for every weight role; modules apply σ to the tensors they own (biases 0, gains 1).
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <functional>
#include <string>

#include "core/registry.h"
#include "models/config.h"

namespace spikebench::models {

/// σ per weight role of the decoder (W_QKV = W_Q, W_K, W_V of Eq. 5; W_O of Eq. 4; W1, W2 of Eq.
/// 3).
struct InitScheme {
  double embedding = 0;  // token embedding E (tied with the output layer)
  double position = 0;   // learned positions P
  double qkv = 0;        // W_Qi, W_Ki, W_Vi
  double w_o = 0;        // W_O
  double w1 = 0;         // W_1
  double w2 = 0;         // W_2
};

struct InitKind {
  static constexpr const char* kKind = "init";
  std::string formula;  // for `spikebench show`
  std::function<InitScheme(const ModelConfig&)> sigmas;
};

/// The σ table of the registered init `config.init`.
InitScheme init_scheme(const ModelConfig& config);

/// w ~ N(0, σ) in place (global torch RNG), outside autograd.
void init_normal(const torch::Tensor& w, double sigma);
/// A linear layer's weight ~ N(0, σ), its bias (if any) zero.
void init_linear(const torch::nn::Linear& l, double sigma);

}  // namespace spikebench::models
