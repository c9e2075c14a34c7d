#include "models/init.h"

#include <torch/torch.h>

#include <cmath>

namespace spikebench::models {

InitScheme InitScheme::for_layer(int64_t i) const {
  InitScheme s = *this;
  if (outputs_by_layer) {
    const double f = 1.0 / std::sqrt(static_cast<double>(i + 1));
    s.w_o.std *= f;
    s.w2.std *= f;
  }
  return s;
}

InitContext lm_init_context(const ModelConfig& c) {
  return {c.d, c.d_ffn, c.n_layers, 2 * c.n_layers, c.base_sigma(), 0.0};
}

InitScheme init_scheme(const std::string& name, const InitContext& context) {
  return Registry<InitKind>::instance().get(name).scheme(context);
}

void init_draw(const torch::Tensor& w, const Draw& draw) {
  torch::NoGradGuard no_grad;
  if (draw.uniform) {
    const double a = draw.std * std::sqrt(3.0);
    w.uniform_(-a, a);
  } else {
    w.normal_(0.0, draw.std);
  }
}

void init_normal(const torch::Tensor& w, double sigma) { init_draw(w, {sigma, false}); }

void init_linear(const torch::nn::Linear& l, const Draw& draw) {
  init_draw(l->weight, draw);
  if (l->bias.defined()) {
    torch::NoGradGuard no_grad;
    l->bias.zero_();
  }
}

}  // namespace spikebench::models
