// Runner `init_grad_norms` (Figs. 2, 3; App. C): builds the decoder at initialization, runs one
// forward/backward on real C4 text and records, per layer, the gradient norm of the layer's
// parameters, the std of every norm's input (Eq. 13), and the sub-layer output stds
// (suite/diagnose/init_stability.h, which `spikebench diagnose` shares).
#include <torch/torch.h>

#include "models/decoder.h"
#include "suite/data/text_tokens.h"
#include "suite/diagnose/init_stability.h"
#include "suite/model_config.h"
#include "suite/progress.h"
#include "suite/runner.h"

namespace spikebench {
namespace {

const char* defaults() {
  static const std::string d = model_keys_yaml() + R"(
seq_len: 512             # tokens per sequence of the measured batch
batch: 1                 # sequences in the measured batch
backward: true           # false: forward statistics only (norm-input and sub-layer stds)
)";
  return d.c_str();
}

struct InitGradNormsConfig : RunnerConfig {
  models::ModelConfig model;
  int64_t seed = 0, seq_len = 0, batch = 0;
  bool backward = true;
  static InitGradNormsConfig parse(const config::Reader& r) {
    InitGradNormsConfig c;
    c.model = model_config(r);
    c.seed = r.integer("seed", 0);
    c.seq_len = r.integer("seq_len", 1, c.model.max_len);
    c.batch = r.integer("batch", 1);
    c.backward = r.flag("backward");
    return c;
  }
  std::string requirements(const Environment& env) const {
    for (const auto& p : {env.data_dir / "c4" / "c4-train.00000-of-01024.first1000.json.gz",
                          env.data_dir / "gpt2" / "encoder.json"})
      if (!std::filesystem::exists(p))
        fail(p.string(), ": missing from the data folder (scripts/fetch-data.sh fetches it)");
    return "";
  }
};

void run(RunContext& ctx, const InitGradNormsConfig& c) {
  const models::ModelConfig& config = c.model;
  torch::manual_seed(c.seed);
  models::DecoderLM model(config);
  // Different seeds also see different text: seed k starts k blocks into the C4 stream.
  const auto tokens = c4_token_block(ctx.env.data_dir, c.batch, c.seq_len,
                                     c.seed * c.batch * (c.seq_len + 1), config.vocab);
  const InitStats s = measure_init(model, tokens, c.backward);
  auto& g = ctx.group;
  if (c.backward) g.dataset("layers/grad_norm").append_row(s.grad_norms);  // [1 × N]
  g.dataset("layers/ln_input_std").append_row(s.ln_input_std);             // [1 × 2N]
  g.dataset("layers/attn_out_std").append_row(s.attn_out_std);
  g.dataset("layers/ffn_out_std").append_row(s.ffn_out_std);
  g.dataset("layers/step").append(0);
  g.dataset("layers/step").integer = true;
  g.dataset("init/loss").append(s.loss);
  if (c.backward) g.dataset("init/embedding_grad_norm").append(s.embedding_grad_norm);
  // Empirical std of the layer-1 W2 and W_O (App. C compares these σ across inits).
  g.dataset("init/w2_std").append(model->blocks[0]->ffn->w2->weight.std().item<double>());
  g.dataset("init/w_o_std").append(model->blocks[0]->attention->out->weight.std().item<double>());
  g.attrs["params"] = models::param_count(config);
  if (c.backward) g.attrs["lambda_gradient"] = s.lambda_gradient;  // OLMo 2's λ (init_stability.h)
  g.attrs["lambda_activation"] = s.lambda_activation;
  g.attrs["theory_ffn_std"] = s.theory_ffn_std;
  g.attrs["theory_attn_std_bound"] = s.theory_attn_std_bound;
  g.attrs["scaled_w2_sigma"] = config.base_sigma() / std::sqrt(2.0 * config.n_layers);  // §2.2
}

SPIKEBENCH_RUNNER("init_grad_norms", InitGradNormsConfig,
                  "per-layer gradient norms and norm-input stds at init", defaults,
                  /*needs_data=*/true, run);

}  // namespace
}  // namespace spikebench
