#pragma once
// The decoder-only LM of §2.1: learned absolute positions, N blocks (Pre-LN Eqs. 1–2, or
// Post-LN, App. D), causal multi-head attention (Eqs. 4–5), FFN (Eq. 3), output layer tied to
// the token embedding (footnote 5), and the registered stabilizers at their hooks.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <memory>
#include <vector>

#include "models/config.h"
#include "models/init.h"
#include "models/norm.h"
#include "models/stabilizer.h"

namespace spikebench::models {

/// Optional per-layer statistics recorded during a forward (detached scalars; CPU sync).
struct Probe {
  std::vector<double> ln_input_std;   // std of each norm's input, 2 per layer (attn, ffn)
  std::vector<double> attn_out_std;   // std(Attention(LN(x))) per layer (Eq. 11)
  std::vector<double> ffn_out_std;    // std(FFN(LN(x'))) per layer (Eqs. 8–9)
  std::vector<double> layer_out_std;  // std(y) per layer (the shortcut, Eq. 6)
  std::vector<double> layer_out_norm;  // ‖y‖ (Frobenius, whole batch) per layer
  std::vector<double> attn_logit_max;  // each head's max q·k/√d_h, n_heads per layer
};

/// Causal multi-head self-attention, Eqs. (4)–(5), with PyTorch's fused SDPA kernel.
class AttentionImpl : public torch::nn::Module {
 public:
  /// `s`: the layer's stabilizers (their attention_qk hooks act here).
  AttentionImpl(const ModelConfig& c, std::vector<std::shared_ptr<StabilizerImpl>> s);
  /// (B,T,d) -> (B,T,d); appends each head's max logit (max_attention_logits, after the
  /// stabilizers' QKV hooks) to `logit_max` when given.
  torch::Tensor forward(const torch::Tensor& x, std::vector<double>* logit_max = nullptr);
  void init_weights(const InitScheme& scheme);
  /// The stabilizers' after_step on W_QKV (weight-space methods), after an optimizer step.
  void after_step();
  bool edits_weights() const;
  torch::nn::Linear qkv{nullptr};  // W_Q, W_K, W_V of all heads: d -> 3d
  torch::nn::Linear out{nullptr};  // W_O: d -> d

 private:
  ModelConfig config_;
  std::vector<std::shared_ptr<StabilizerImpl>> stabilizers_;
};
TORCH_MODULE(Attention);

/// FFN(x) = F(x W1) W2, Eq. (3).
class FFNImpl : public torch::nn::Module {
 public:
  explicit FFNImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x);  // (B,T,d) -> (B,T,d)
  void init_weights(const InitScheme& scheme);
  torch::nn::Linear w1{nullptr};  // d -> d_ffn
  torch::nn::Linear w2{nullptr};  // d_ffn -> d

 private:
  Activation activation_;
};
TORCH_MODULE(FFN);

/// One Transformer layer; Pre-LN and Post-LN are sibling subclasses.
class BlockImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x, Probe* probe) = 0;
  void init_weights(const InitScheme& scheme);
  Attention attention{nullptr};
  FFN ffn{nullptr};
  std::shared_ptr<NormImpl> norm1, norm2;
  /// This layer's own stabilizer instances (QK-norm, norms after Proj/FC2), submodules of the
  /// block, so the layer's parameters include theirs.
  std::vector<std::shared_ptr<StabilizerImpl>> stabilizers;

 protected:
  explicit BlockImpl(const ModelConfig& c);
  /// The stabilizers' sub-layer hooks, then dropout.
  torch::Tensor finish(torch::Tensor y, Sublayer which);
  ModelConfig config_;
};

/// The decoder LM. forward(tokens (B,T) int64) -> logits (B,T,V).
class DecoderLMImpl : public torch::nn::Module {
 public:
  explicit DecoderLMImpl(ModelConfig config);
  torch::Tensor forward(const torch::Tensor& tokens, Probe* probe = nullptr);
  /// The final hidden states (B,T,d) that the tied output layer maps to logits.
  torch::Tensor hidden(const torch::Tensor& tokens, Probe* probe = nullptr);
  /// Mean next-token cross entropy of logits against targets (B,T), and the total loss that is
  /// optimized (cross entropy + stabilizers' auxiliary losses). With loss_chunk > 0 and no
  /// stabilizer reading the output logits, the fused chunked loss (never the whole logits).
  struct Loss {
    torch::Tensor cross_entropy, total;
    torch::Tensor
        auxiliary;  // the stabilizers' auxiliary losses (z-loss) in total; undefined: none
  };
  Loss loss(const torch::Tensor& tokens, const torch::Tensor& targets, Probe* probe = nullptr);
  /// Re-draws every weight from the config's init scheme (uses the global torch RNG).
  void init_weights();
  /// Weight-space stabilizers after an optimizer step (QK-Clip); a no-op without them.
  void after_step();
  /// Whether a stabilizer edits weights after the step (StabilizerImpl::edits_weights).
  bool edits_weights() const;
  /// The parameters of layer i (0-based), for per-layer gradient norms (Figs. 2, 3).
  std::vector<torch::Tensor> layer_parameters(int64_t i) const;
  const ModelConfig& config() const { return config_; }

  torch::Tensor token_embedding;     // E: (V, d), tied with the output layer
  torch::Tensor position_embedding;  // P: (L, d)
  std::vector<std::shared_ptr<BlockImpl>> blocks;
  std::shared_ptr<NormImpl> final_norm;  // Pre-LN only
  std::vector<std::shared_ptr<StabilizerImpl>> stabilizers;  // model-level (embeddings, loss)

 private:
  ModelConfig config_;
};
TORCH_MODULE(DecoderLM);

}  // namespace spikebench::models
