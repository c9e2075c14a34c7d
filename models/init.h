#pragma once
// Initialization schemes chosen by name (§2.2, App. C, App. D): each returns, for every weight
// role of one stack of layers, the distribution its weights are drawn from; modules apply them
// to the tensors they own (biases 0, norm gains 1). One registry serves the decoder LM (one
// stack of N layers with 2 residual branches each) and the encoder-decoder (an encoder stack,
// and a decoder stack of 2 branches per layer with Peitz et al.'s cross+self attention, 3 with
// separate self- and cross-attention).
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <functional>
#include <string>

#include "core/registry.h"
#include "models/config.h"

namespace spikebench::models {

/// N(0, std), or the uniform distribution with that standard deviation (U(-a, a), a = std·√3;
/// Xavier uniform).
struct Draw {
  double std = 0;
  bool uniform = false;
};

/// The distribution per weight role (W_Q, W_K, W_V of Eq. 5; W_O of Eq. 4; W1, W2 of Eq. 3).
struct InitScheme {
  Draw embedding;  // token embedding E (tied with the output layer)
  Draw position;   // learned positions P (decoder LM)
  Draw q, k, v;    // W_Qi, W_Ki, W_Vi
  Draw w_o;        // W_O
  Draw w1;         // W_1
  Draw w2;         // W_2
  /// OLMo-0424: W_O's and W_2's std further divided by √(layer index, 1-based), per layer.
  bool outputs_by_layer = false;
  /// The scheme of layer `i` (0-based): outputs_by_layer applied.
  InitScheme for_layer(int64_t i) const;
};

/// What an init may depend on: the widths, the stack's layers and residual branches, σ.
struct InitContext {
  int64_t d = 0, d_ffn = 0;
  int64_t layers = 0;            // layers of this stack
  int64_t branches = 0;          // residual branches of this stack (sub-layers: 2 per LM layer)
  double sigma = 0;              // σ of §2.2 (sqrt(2/(5d)) unless set)
  double deepnet_beta = 0;       // DeepNet's β for this stack; 0 outside an encoder-decoder
};

struct InitKind {
  static constexpr const char* kKind = "init";
  std::string formula;  // for `spikebench show`
  std::function<InitScheme(const InitContext&)> scheme;
};

/// The decoder LM's context: N layers, 2N branches, the config's σ.
InitContext lm_init_context(const ModelConfig& config);
/// The scheme of the registered init `name` (throws listing the valid names).
InitScheme init_scheme(const std::string& name, const InitContext& context);

/// w drawn from `draw` in place (global torch RNG), outside autograd.
void init_draw(const torch::Tensor& w, const Draw& draw);
/// w ~ N(0, σ) in place.
void init_normal(const torch::Tensor& w, double sigma);
/// A linear layer's weight drawn from `draw`, its bias (if any) zero.
void init_linear(const torch::nn::Linear& l, const Draw& draw);

}  // namespace spikebench::models
