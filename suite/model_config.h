#pragma once
// Builds a models::ModelConfig from a run's resolved config: the flavor named by `size`, then
// the per-key overrides a study may set, each type- and range-checked with the key named on
// error. kModelKeys lists those keys with their defaults (every runner that builds a decoder
// includes it in its own defaults).
#include "models/config.h"
#include "suite/config/reader.h"

namespace spikebench {

inline constexpr const char* kModelKeys = R"(
size: cpu                # model flavor (models/config.cpp): 350m, 1.7b, 13b, gpu, cpu, tiny
seed: 0                  # torch RNG seed for init, dropout and data order
init: scaled             # plain | scaled | wang (§2.2, App. C)
stabilizers: []          # registered stabilizers, e.g. [scaled_embed], [embed_ln, z_loss]
norm: layernorm          # layernorm | rmsnorm (§5.3)
arch: preln              # preln (Eqs. 1-2) | postln (App. D)
activation: gelu         # F of Eq. (3): gelu | gelu_tanh (GPT-2) | relu | identity
dropout: null            # null = the flavor's (0.1, Table 3)
bias: true               # biases in linear layers and norms
vocab: null              # null = the flavor's
d: null                  # null = the flavor's hidden size (d_ffn = 4d when set)
n_layers: null           # null = the flavor's N
n_heads: null            # null = the flavor's h
max_len: null            # null = the flavor's L (learned positions)
sigma: null              # σ of §2.2 for every weight before the scaled rule; null = sqrt(2/(5d))
sigma_d: null            # σ = sqrt(2/(5·sigma_d)): a narrow model at a wider model's σ (null = d)
embed_detach_gamma: 0.1  # γ of Eq. (14)
z_loss: 1.0e-4           # z-loss coefficient
attention_softcap: 50.0  # softmax_cap: c of c·tanh(z/c) on attention logits (Gemma 2: 50; 0 = off)
logit_softcap: 30.0      # softmax_cap: c on the output logits (Gemma 2: 30; 0 = off)
loss_chunk: 0            # rows per chunk of the fused output-layer loss (0 = logits whole)
)";

/// The decoder's config from the keys of kModelKeys; errors name `r.where()` and the key.
models::ModelConfig model_config(const config::Reader& r);

}  // namespace spikebench

namespace spikebench {

/// The inverse of model_config: every key of kModelKeys, explicit, for `c` (built from flavor
/// `size`), so that model_config of the result rebuilds `c` exactly (d_ffn must be 4d).
YAML::Node model_keys(const models::ModelConfig& c, const std::string& size);

}  // namespace spikebench
