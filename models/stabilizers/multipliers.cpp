// Input and output multipliers (μP, Yang et al. 2022, "Tensor Programs V", α_input / α_output;
// MiniCPM's scale_emb, Hu et al. 2024; Grok-1's embedding / output multiplier scales): the token
// embeddings are multiplied by m_e before the positions are added, and the output logits by m_o
// before the loss. Scaled Embed (§3.2) is the case m_e = √d, m_o = 1; both at 1 is Vanilla.
// The worked example of a stabilizer with settings (docs/stabilizers.md): the two keys, their
// defaults, ranges and help are declared here and nowhere else.
#include <torch/torch.h>

#include <cmath>

#include "models/stabilizer.h"

namespace spikebench::models {
namespace {

class Multipliers : public StabilizerImpl {
 public:
  static std::vector<Setting> settings() {
    // Added after the pre-registered records: left out of their design hash at 1 (identity).
    return {{"embedding_multiplier", "1.0", 1e-6, 1e6,
             "multipliers: m_e on the token embeddings (√d = Scaled Embed)", true},
            {"output_multiplier", "1.0", 1e-6, 1e6, "multipliers: m_o on the output logits", true}};
  }
  explicit Multipliers(const ModelConfig& c)
      : m_e_(c.setting("embedding_multiplier")), m_o_(c.setting("output_multiplier")) {}
  torch::Tensor token_embedding(const torch::Tensor& e) override {
    return m_e_ == 1.0 ? e : e * m_e_;
  }
  torch::Tensor output_logits(const torch::Tensor& logits) override {
    return m_o_ == 1.0 ? logits : logits * m_o_;
  }
  bool reads_output_logits() const override { return m_o_ != 1.0; }  // else the loss stays fused

 private:
  double m_e_, m_o_;
};

SPIKEBENCH_STABILIZER("multipliers",
                      "μP-style multipliers: token embeddings · m_e, output logits · m_o",
                      Multipliers);

}  // namespace
}  // namespace spikebench::models
