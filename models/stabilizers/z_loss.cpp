// z-loss (Chowdhery et al. 2022, PaLM; Wortsman et al. 2023): adds c·mean(log² Z) to the loss,
// Z = Σ_v exp(logit_v), keeping the output log-partition near 0. c = z_loss (default 1e-4).
#include <torch/torch.h>

#include <cmath>

#include "models/stabilizer.h"

namespace spikebench::models {
namespace {

class ZLoss : public StabilizerImpl {
 public:
  static std::vector<Setting> settings() {
    return {{"z_loss", "1.0e-4", 0, INFINITY, "z-loss coefficient"}};
  }
  explicit ZLoss(const ModelConfig& c) : coefficient_(c.setting("z_loss")) {}
  torch::Tensor auxiliary_loss(const torch::Tensor& logits) override {
    auto log_z = torch::logsumexp(logits.to(torch::kFloat), /*dim=*/-1);  // (B,T)
    return coefficient_ * log_z.pow(2).mean();
  }
  bool reads_output_logits() const override { return true; }

 private:
  double coefficient_;
};

SPIKEBENCH_STABILIZER("z_loss", "PaLM z-loss: + c·mean(logsumexp(logits)²), c = z_loss", ZLoss);

}  // namespace
}  // namespace spikebench::models
