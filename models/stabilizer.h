#pragma once
// Stabilizers chosen by name: each is one file with one registration line, hooking into the
// places a published stabilizer acts on — the embeddings that enter layer 1 (Vanilla,
// EmbedDetach Eq. 14, EmbedLN, ScaledEmbed §3.2), the attention queries/keys (QK-LayerNorm),
// sub-layer outputs (norm after Proj/FC2), or an auxiliary loss on the logits (z-loss).
#include <torch/nn/module.h>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>

#include "core/registry.h"
#include "models/config.h"

namespace spikebench::models {

enum class Sublayer { kAttention, kFFN };

class StabilizerImpl : public torch::nn::Module {
 public:
  /// x: (B,T,d) token + position embeddings; returns the input of layer 1 (the first shortcut).
  virtual torch::Tensor embed(const torch::Tensor& x) { return x; }
  /// q, k: (B,h,T,d_head) before the scaled dot product of Eq. (5), in layer `layer`.
  virtual void attention_qk(torch::Tensor& /*q*/, torch::Tensor& /*k*/, int64_t /*layer*/) {}
  /// y: (B,T,d) output of Attention (Eq. 4) or FFN (Eq. 3) before it joins the shortcut.
  virtual torch::Tensor sublayer(const torch::Tensor& y, int64_t /*layer*/, Sublayer /*which*/) {
    return y;
  }
  /// An auxiliary loss from the logits (B,T,V), or an undefined tensor.
  virtual torch::Tensor auxiliary_loss(const torch::Tensor& /*logits*/) { return {}; }
};

struct StabilizerKind {
  static constexpr const char* kKind = "stabilizer";
  std::string summary;  // one line, with the paper / equation it implements
  std::function<std::shared_ptr<StabilizerImpl>(const ModelConfig&)> make;
};

#define SPIKEBENCH_STABILIZER(name, summary, Class)        \
  SPIKEBENCH_REGISTER(                                     \
      ::spikebench::models::StabilizerKind, name, summary, \
      [](const ::spikebench::models::ModelConfig& c) { return std::make_shared<Class>(c); })

}  // namespace spikebench::models
