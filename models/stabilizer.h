#pragma once
// Stabilizers chosen by name: each is one file with one registration line, hooking into the
// places a published stabilizer acts on — the token embeddings (ScaledEmbed §3.2), the
// embeddings that enter layer 1 (Vanilla, EmbedDetach Eq. 14, EmbedLN), the QKV projection's
// output (norm after QKV), the attention queries/keys (QK-LayerNorm), the attention and output
// logits (softmax capping), sub-layer outputs (norm after Proj/FC2), or an auxiliary loss on
// the logits (z-loss). A stabilizer with per-layer parameters registers a per-layer factory:
// each block owns its instance, so a layer's parameters include its stabilizer's.
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "core/registry.h"
#include "models/config.h"
#include "models/setting.h"

namespace spikebench::models {

enum class Sublayer { kAttention, kFFN };

class StabilizerImpl : public torch::nn::Module {
 public:
  /// e: (B,T,d) token embeddings E[tokens], before the positions are added.
  virtual torch::Tensor token_embedding(const torch::Tensor& e) { return e; }
  /// x: (B,T,d) token + position embeddings; returns the input of layer 1 (the first shortcut).
  virtual torch::Tensor embed(const torch::Tensor& x) { return x; }
  /// y: (B,T,3d) output of the fused W_Q, W_K, W_V projection ([q | k | v]).
  virtual torch::Tensor qkv(const torch::Tensor& y) { return y; }
  /// q, k: (B,h,T,d_head) before the scaled dot product of Eq. (5).
  virtual void attention_qk(torch::Tensor& /*q*/, torch::Tensor& /*k*/) {}
  /// Whether attention_logits changes the logits (then attention runs the explicit softmax of
  /// Eq. 5 instead of the fused kernel).
  virtual bool edits_attention_logits() const { return false; }
  /// z: (B,h,T,T) attention logits q·kᵀ/√d_head before the causal mask and the softmax.
  virtual torch::Tensor attention_logits(const torch::Tensor& z) { return z; }
  /// logits: (B,T,V) of the output layer, before the loss.
  virtual torch::Tensor output_logits(const torch::Tensor& logits) { return logits; }
  /// y: (B,T,d) output of Attention (Eq. 4) or FFN (Eq. 3) before it joins the shortcut.
  virtual torch::Tensor sublayer(const torch::Tensor& y, Sublayer /*which*/) { return y; }
  /// An auxiliary loss from the logits (B,T,V), or an undefined tensor.
  virtual torch::Tensor auxiliary_loss(const torch::Tensor& /*logits*/) { return {}; }
  /// Whether output_logits or auxiliary_loss needs the whole (B,T,V) logits (then the loss is
  /// not fused even with loss_chunk > 0).
  virtual bool reads_output_logits() const { return false; }
  /// After each optimizer step (DecoderLM::after_step, called by the training loop): the layer's
  /// fused W_QKV projection, to edit in place (weight-space methods: QK-Clip).
  virtual void after_step(torch::nn::Linear& /*qkv*/) {}
  /// Whether after_step edits weights (the training loop then refuses fp16 masters and data
  /// parallelism, which would undo or split the edit).
  virtual bool edits_weights() const { return false; }
};

struct StabilizerKind {
  static constexpr const char* kKind = "stabilizer";
  using Factory = std::function<std::shared_ptr<StabilizerImpl>(const ModelConfig&)>;
  std::string summary;  // one line, with the paper / equation it implements
  Factory make;         // the model-level instance (embedding and loss hooks), or null
  Factory make_layer;   // one instance per layer (attention and sub-layer hooks), or null
  std::vector<Setting> settings = {};  // the config keys it reads (ModelConfig::setting)
};

/// Class::settings() where the class declares it (its config keys), else none.
template <typename C, typename = void>
struct SettingsOf {
  static std::vector<Setting> get() { return {}; }
};
template <typename C>
struct SettingsOf<C, std::void_t<decltype(C::settings())>> {
  static std::vector<Setting> get() { return C::settings(); }
};

/// The model-level instances of `names` (those with a model-level part), in order.
std::vector<std::shared_ptr<StabilizerImpl>> make_stabilizers(const std::vector<std::string>& names,
                                                              const ModelConfig& config);
/// The per-layer instances of `names` for one layer, in order.
std::vector<std::shared_ptr<StabilizerImpl>> make_layer_stabilizers(
    const std::vector<std::string>& names, const ModelConfig& config);

/// Each head's largest attention logit, S_max^h = max over the batch and the causal pairs
/// (t' <= t) of q_t·k_t' / √d_h, for q, k (B,h,T,d_h): (h) double on the CPU, no gradient. QK-Clip
/// bounds it; the layer probe logs it (layers/attn_logit_max).
torch::Tensor max_attention_logits(const torch::Tensor& q, const torch::Tensor& k);

}  // namespace spikebench::models

/// A stabilizer acting on embeddings or the loss: one instance per model. Its settings are
/// Class::settings() where the class declares one.
#define SPIKEBENCH_STABILIZER(name, summary, Class)                                          \
  SPIKEBENCH_REGISTER(                                                                       \
      ::spikebench::models::StabilizerKind, name, summary,                                   \
      [](const ::spikebench::models::ModelConfig& c) { return std::make_shared<Class>(c); }, \
      nullptr, ::spikebench::models::SettingsOf<Class>::get())

/// A stabilizer acting inside a layer (attention, sub-layer outputs): one instance per layer.
#define SPIKEBENCH_LAYER_STABILIZER(name, summary, Class)                                    \
  SPIKEBENCH_REGISTER(                                                                       \
      ::spikebench::models::StabilizerKind, name, summary, nullptr,                          \
      [](const ::spikebench::models::ModelConfig& c) { return std::make_shared<Class>(c); }, \
      ::spikebench::models::SettingsOf<Class>::get())
