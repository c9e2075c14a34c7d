// Softmax capping (Gemma 2, Team Gemma 2024, §2: "logit soft-capping"; Rybakov et al. 2024 apply
// it among their stability methods): logits z ↦ c·tanh(z/c), which is ≈ z for |z| ≪ c and never
// exceeds c in magnitude. On every layer's attention logits q·kᵀ/√d_head before the softmax
// (c = attention_softcap, Gemma 2's 50), and on the output logits before the loss
// (c = logit_softcap, Gemma 2's 30); a c of 0 leaves that place uncapped.
#include <torch/torch.h>

#include <cmath>

#include "models/stabilizer.h"

namespace spikebench::models {
namespace {

torch::Tensor cap(const torch::Tensor& z, double c) { return c * torch::tanh(z / c); }

class AttentionCap : public StabilizerImpl {
 public:
  explicit AttentionCap(const ModelConfig& c) : c_(c.setting("attention_softcap")) {}
  bool edits_attention_logits() const override { return c_ > 0; }
  torch::Tensor attention_logits(const torch::Tensor& z) override {
    return c_ > 0 ? cap(z, c_) : z;
  }

 private:
  double c_;
};

class OutputCap : public StabilizerImpl {
 public:
  explicit OutputCap(const ModelConfig& c) : c_(c.setting("logit_softcap")) {}
  torch::Tensor output_logits(const torch::Tensor& l) override { return c_ > 0 ? cap(l, c_) : l; }
  bool reads_output_logits() const override { return c_ > 0; }

 private:
  double c_;
};

SPIKEBENCH_REGISTER(
    StabilizerKind, "softmax_cap",
    "c·tanh(z/c) on attention logits (attention_softcap) and output logits (logit_softcap)",
    [](const ModelConfig& c) { return std::make_shared<OutputCap>(c); },
    [](const ModelConfig& c) { return std::make_shared<AttentionCap>(c); },
    std::vector<Setting>{
        {"attention_softcap", "50.0", 0, INFINITY,
         "softmax_cap: c of c·tanh(z/c) on attention logits (Gemma 2: 50; 0 = off)"},
        {"logit_softcap", "30.0", 0, INFINITY,
         "softmax_cap: c on the output logits (Gemma 2: 30; 0 = off)"}});

}  // namespace
}  // namespace spikebench::models
