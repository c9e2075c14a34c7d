#pragma once
// The decoder LM's architecture numbers (paper §2, Table 3) as a plain value, plus the named
// sizes ("flavors") and the parameter-count formula.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/enum_names.h"
#include "models/setting.h"

namespace spikebench::models {

enum class Arch { preln, postln };                          // Pre-LN (Eqs. 1-2) | Post-LN (App. D)
enum class Activation { gelu, gelu_tanh, relu, identity };  // F of Eq. (3)
const EnumNames<Arch>& arch_names();
const EnumNames<Activation>& activation_names();

struct ModelConfig {
  int64_t vocab = 50257;           // V: GPT-2 BPE vocabulary (256 for the byte-level CPU proxy)
  int64_t d = 1024;                // d: hidden size (350M: 1024, 1.7B: 2304, 13B: 5120)
  int64_t n_layers = 24;           // N: number of layers
  int64_t n_heads = 16;            // h: attention heads, d_head = d / h
  int64_t d_ffn = 4096;            // d_ffn = 4d (paper §3.1)
  int64_t max_len = 2048;          // L: sequence length = learned positions
  double dropout = 0.1;            // hidden, attention and embedding dropout (Table 3)
  bool bias = true;                // linear and norm biases (omitted in the paper's equations)
  Arch arch = Arch::preln;         // Pre-LN (Eqs. 1-2) or Post-LN (App. D)
  std::string norm = "layernorm";  // registered norm (models/norms/)
  std::string init = "scaled";     // registered init (models/inits/)
  Activation activation = Activation::gelu;  // F in Eq. (3); gelu_tanh is GPT-2's
  std::vector<std::string> stabilizers;      // registered stabilizers, applied in order
  /// Values of the components' settings by key (models/setting.h: each component declares its
  /// own); a key left out takes its declared default.
  SettingValues settings;
  int64_t loss_chunk = 0;  // rows per chunk of the fused output-layer loss (0 = logits whole)
  double sigma = 0.0;                        // σ of §2.2; 0 = sqrt(2/(5d))
  int64_t sigma_d = 0;  // σ = sqrt(2/(5·sigma_d)): a wider model's σ on a narrow one (0 = d)

  int64_t d_head() const { return d / n_heads; }
  /// σ = sqrt(2 / (5d)) (§2.2, after Nguyen & Salazar 2019) unless overridden (sigma, or the
  /// width sigma_d in place of d).
  double base_sigma() const;
  /// The value of the component setting `key` (its declared default when not in `settings`);
  /// an undeclared key throws an Error.
  double setting(const std::string& key) const;
  /// Throws spikebench::Error naming the inconsistent field.
  void validate() const;
};

/// Exact parameter count of the Pre-LN decoder with tied embeddings (footnote 5):
///   V·d (token embedding, tied with the output layer) + L·d (positions)
///   + N·(4d² + 2·d·d_ffn + [bias] 4d + d_ffn + [norms] 4d)      (QKV, W_O, W1, W2, 2 norms)
///   + 2d (final norm; Pre-LN only: a Post-LN layer ends with its own norm)
///   + parameters owned by stabilizers (counted separately).
/// With d_ffn = 4d and biases: V·d + L·d + N·(12d² + 13d) + 2d.
int64_t param_count(const ModelConfig& config);

/// Model FLOPs of one training token (forward + backward, no recomputation), as PaLM's MFU
/// (Chowdhery et al. 2022, App. B) counts them: 6·P (P: parameters without the position table;
/// the tied output layer counts once more as the V·d matmul, hence P includes V·d) plus the
/// attention's 12·N·L·d (QKᵀ and AV, forward + backward, over a sequence of L tokens).
double training_flops_per_token(const ModelConfig& config, int64_t seq_len);

/// A named size ("flavor") of the decoder LM.
struct Flavor {
  std::string name;
  std::string description;
  ModelConfig config;
};

/// Table 3's sizes (350m, 1.7b, 13b) and the smaller proxies (gpu, cpu, tiny).
const std::vector<Flavor>& flavors();
/// The flavor called `name`; an unknown name throws an Error listing the valid ones.
const Flavor& flavor(const std::string& name);

}  // namespace spikebench::models
