// Runner `init_grad_norms` (Figs. 2, 3; App. C): builds the decoder at initialization, runs one
// forward/backward on real C4 text and records, per layer, the gradient norm of the layer's
// parameters, the std of every norm's input (Eq. 13), and the sub-layer output stds.
#include <torch/torch.h>

#include "models/decoder.h"
#include "suite/data/text_tokens.h"
#include "suite/model_config.h"
#include "suite/progress.h"
#include "suite/runner.h"

namespace spikebench {
namespace {

const std::string kDefaults = std::string(kModelKeys) + R"(
seq_len: 512             # tokens per sequence of the measured batch
batch: 1                 # sequences in the measured batch
backward: true           # false: forward statistics only (norm-input and sub-layer stds)
)";

double norm_of(const std::vector<torch::Tensor>& params) {
  double sq = 0;
  for (const auto& p : params)
    if (p.grad().defined()) sq += p.grad().to(torch::kDouble).pow(2).sum().item<double>();
  return std::sqrt(sq);
}

void run(RunContext& ctx) {
  const auto& r = ctx.run.config;
  models::ModelConfig config = model_config(r);
  const int64_t seq_len = r["seq_len"].as<int64_t>(), batch = r["batch"].as<int64_t>();
  torch::manual_seed(ctx.run.seed);
  models::DecoderLM model(config);
  model->train();
  // Different seeds also see different text: seed k starts k blocks into the C4 stream.
  auto tokens = c4_token_block(ctx.data_dir, batch, seq_len, ctx.run.seed * batch * (seq_len + 1),
                               config.vocab);
  auto input = tokens.slice(1, 0, seq_len), target = tokens.slice(1, 1, seq_len + 1);
  models::Probe probe;
  auto loss = model->loss(input, target, &probe);
  if (r["backward"].as<bool>()) loss.total.backward();

  std::vector<double> grad_norms;
  for (int64_t i = 0; i < config.n_layers; ++i)
    grad_norms.push_back(norm_of(model->layer_parameters(i)));
  auto& g = ctx.group;
  if (r["backward"].as<bool>()) g.dataset("layers/grad_norm").append_row(grad_norms);  // [1 × N]
  g.dataset("layers/ln_input_std").append_row(probe.ln_input_std);                     // [1 × 2N]
  g.dataset("layers/attn_out_std").append_row(probe.attn_out_std);
  g.dataset("layers/ffn_out_std").append_row(probe.ffn_out_std);
  g.dataset("layers/step").append(0);
  g.dataset("layers/step").integer = true;
  g.dataset("init/loss").append(loss.cross_entropy.item<double>());
  if (r["backward"].as<bool>())
    g.dataset("init/embedding_grad_norm").append(norm_of({model->token_embedding}));
  // Empirical std of the layer-1 W2 and W_O (App. C compares these σ across inits).
  g.dataset("init/w2_std").append(model->blocks[0]->ffn->w2->weight.std().item<double>());
  g.dataset("init/w_o_std").append(model->blocks[0]->attention->out->weight.std().item<double>());
  g.attrs["params"] = models::param_count(config);
}

SPIKEBENCH_RUNNER("init_grad_norms", "per-layer gradient norms and norm-input stds at init",
                  kDefaults.c_str(), /*needs_data=*/true, run);

}  // namespace
}  // namespace spikebench
