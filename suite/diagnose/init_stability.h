#pragma once
// The init-time measurement of Figs. 2-3 (§3): one forward/backward of the decoder at
// initialization on real text, recording per layer the gradient norm of the layer's parameters,
// the std of every norm's input (Eq. 13's LN(x) amplification factor is σ₁/σ(x)), and the
// sub-layer output stds (Eqs. 7-11); plus the paper's predictions at the model's dimensions.
// Shared by the `init_grad_norms` runner (Figs. 2, 3; App. C) and `spikebench diagnose`.
#include <torch/types.h>

#include <string>
#include <vector>

#include "models/decoder.h"

namespace spikebench {

struct InitStats {
  std::vector<double> grad_norms;                 // per layer (N); empty without backward
  std::vector<double> ln_input_std;               // per norm (2N: attention, FFN)
  std::vector<double> attn_out_std, ffn_out_std;  // per layer
  double loss = 0;                                // cross entropy at init
  double embedding_grad_norm = 0;
  double first_over_last = 0;  // grad_norms[0] / grad_norms[N-1]: Fig. 3's contrast
  // OLMo 2's growth exponent λ = (1/N)·log(‖v′‖/‖v‖), v at the first layer, v′ at the last (Team
  // OLMo 2025, §3.2.1): of the layer outputs (activations) and of the per-layer gradient norms.
  // λ_gradient < 0 means gradients grow toward the input (Vanilla's LN explosion, Eq. 13).
  double lambda_activation = 0, lambda_gradient = 0;
  // §3.1's predictions at this model's dimensions (F = identity, the formulas' assumption):
  double theory_ffn_std = 0;         // 4/5 plain (Eq. 8), sqrt(8/(25N)) scaled (Eq. 9)
  double theory_attn_std_bound = 0;  // sqrt(4/25) plain (Eq. 10), sqrt(2/(25N)) scaled (Eq. 11)
};

/// Measures `model` (put in eval mode: dropout off, so the weights are measured, not a mask) on
/// `tokens` (B, T + 1): inputs tokens[:, :T], targets tokens[:, 1:].
InitStats measure_init(models::DecoderLM& model, const torch::Tensor& tokens, bool backward);

/// Fig. 3's contrast read as a verdict, with fig3's expectations (suite/artifacts/fig3.yaml) as
/// thresholds: first/last-layer gradient norm ≥ 2 "unstable", ≤ 1.3 "stable", else "borderline".
inline constexpr double kUnstableRatio = 2.0;  // fig3.yaml: vanilla_explodes (min 2.0)
inline constexpr double kStableRatio = 1.3;    // fig3.yaml: scaled_embed_flat, embed_ln_flat
const char* init_verdict(double first_over_last);

/// λ = (1/n_layers)·log(last / first).
double growth_exponent(double first, double last, int64_t n_layers);

}  // namespace spikebench
