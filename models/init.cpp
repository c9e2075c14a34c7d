#include "models/init.h"

#include <torch/torch.h>

namespace spikebench::models {

InitScheme init_scheme(const ModelConfig& config) {
  return Registry<InitKind>::instance().get(config.init).sigmas(config);
}

void init_normal(const torch::Tensor& w, double sigma) {
  torch::NoGradGuard no_grad;
  w.normal_(0.0, sigma);
}

void init_linear(const torch::nn::Linear& l, double sigma) {
  init_normal(l->weight, sigma);
  if (l->bias.defined()) {
    torch::NoGradGuard no_grad;
    l->bias.zero_();
  }
}

}  // namespace spikebench::models
