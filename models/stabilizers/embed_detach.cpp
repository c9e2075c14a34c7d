// Embed Detach (Eq. 14; Ding et al. 2021, Zeng et al. 2023): the shrink-embedding-gradient trick
//   Embed = γ Embed + (1 − γ) Detach(Embed),  γ = 0.1 by default.
#include <torch/torch.h>

#include "models/stabilizer.h"

namespace spikebench::models {
namespace {

class EmbedDetach : public StabilizerImpl {
 public:
  static std::vector<Setting> settings() {
    return {{"embed_detach_gamma", "0.1", 0, 1, "γ of Eq. (14)"}};
  }
  explicit EmbedDetach(const ModelConfig& c) : gamma_(c.setting("embed_detach_gamma")) {}
  torch::Tensor embed(const torch::Tensor& x) override {
    return gamma_ * x + (1.0 - gamma_) * x.detach();  // Eq. (14)
  }

 private:
  double gamma_;
};

SPIKEBENCH_STABILIZER("embed_detach", "Eq. (14): γ·e + (1−γ)·detach(e), γ = embed_detach_gamma",
                      EmbedDetach);

}  // namespace
}  // namespace spikebench::models
