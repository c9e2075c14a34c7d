#include "suite/diagnose/init_stability.h"

#include <torch/torch.h>

#include <cmath>

namespace spikebench {
namespace {

double norm_of(const std::vector<torch::Tensor>& params) {
  double sq = 0;
  for (const auto& p : params)
    if (p.grad().defined()) sq += p.grad().to(torch::kDouble).pow(2).sum().item<double>();
  return std::sqrt(sq);
}

}  // namespace

InitStats measure_init(models::DecoderLM& model, const torch::Tensor& tokens, bool backward) {
  const auto& config = model->config();
  model->eval();
  model->zero_grad();
  const int64_t T = tokens.size(1) - 1;
  auto input = tokens.slice(1, 0, T), target = tokens.slice(1, 1, T + 1);
  models::Probe probe;
  auto loss = model->loss(input, target, &probe);
  if (backward) loss.total.backward();
  InitStats s;
  if (backward) {
    for (int64_t i = 0; i < config.n_layers; ++i)
      s.grad_norms.push_back(norm_of(model->layer_parameters(i)));
    s.embedding_grad_norm = norm_of({model->token_embedding});
    s.first_over_last = s.grad_norms.front() / s.grad_norms.back();
    s.lambda_gradient = growth_exponent(s.grad_norms.front(), s.grad_norms.back(), config.n_layers);
  }
  s.lambda_activation =
      growth_exponent(probe.layer_out_norm.front(), probe.layer_out_norm.back(), config.n_layers);
  s.ln_input_std = probe.ln_input_std;
  s.attn_out_std = probe.attn_out_std;
  s.ffn_out_std = probe.ffn_out_std;
  s.loss = loss.cross_entropy.item<double>();
  const double N = static_cast<double>(config.n_layers);
  const bool scaled_init = config.init == "scaled";
  s.theory_ffn_std = scaled_init ? std::sqrt(8.0 / (25.0 * N)) : 0.8;
  s.theory_attn_std_bound = scaled_init ? std::sqrt(2.0 / (25.0 * N)) : 0.4;
  return s;
}

const char* init_verdict(double first_over_last) {
  return first_over_last >= kUnstableRatio ? "unstable"
         : first_over_last <= kStableRatio ? "stable"
                                           : "borderline";
}

double growth_exponent(double first, double last, int64_t n_layers) {
  return std::log(last / first) / static_cast<double>(n_layers);
}

}  // namespace spikebench
