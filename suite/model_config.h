#pragma once
// Builds a models::ModelConfig from a run's resolved YAML: the flavor named by `size`, then
// the per-key overrides a study may set. kModelKeys lists those keys with their defaults
// (every runner that builds a decoder includes it in its own defaults).
#include <yaml-cpp/yaml.h>

#include "models/config.h"

namespace spikebench {

inline constexpr const char* kModelKeys = R"(
size: cpu                # model flavor (models/config.cpp): 350m, 1.7b, 13b, gpu, cpu, tiny
seed: 0                  # torch RNG seed for init, dropout and data order
init: scaled             # plain | scaled | wang (§2.2, App. C)
stabilizers: []          # registered stabilizers, e.g. [scaled_embed], [embed_ln, z_loss]
norm: layernorm          # layernorm | rmsnorm (§5.3)
arch: preln              # preln (Eqs. 1-2) | postln (App. D)
activation: gelu         # F of Eq. (3): gelu | relu | identity
dropout: null            # null = the flavor's (0.1, Table 3)
bias: true               # biases in linear layers and norms
vocab: null              # null = the flavor's
d: null                  # null = the flavor's hidden size
n_layers: null           # null = the flavor's N
n_heads: null            # null = the flavor's h
max_len: null            # null = the flavor's L (learned positions)
embed_detach_gamma: 0.1  # γ of Eq. (14)
z_loss: 1.0e-4           # z-loss coefficient
)";

models::ModelConfig model_config(const YAML::Node& run_config);

}  // namespace spikebench
