// Runner `param_count` (Table 3): the parameter count of a size, by the formula of
// models/config.h and, where the model fits in memory, by counting the built module's tensors.
#include <torch/torch.h>

#include "models/decoder.h"
#include "suite/model_config.h"
#include "suite/runner.h"

namespace spikebench {
namespace {

const std::string kDefaults = std::string(kModelKeys) + R"(
build_up_to: 400000000   # also build the module and count its parameters below this size
)";

void run(RunContext& ctx) {
  const auto config = model_config(ctx.run.config);
  const int64_t formula = models::param_count(config);
  auto& g = ctx.group;
  g.attrs["params"] = formula;
  g.attrs["d"] = config.d;
  g.attrs["n_layers"] = config.n_layers;
  g.attrs["n_heads"] = config.n_heads;
  g.attrs["d_ffn"] = config.d_ffn;
  g.attrs["max_len"] = config.max_len;
  g.attrs["vocab"] = config.vocab;
  if (formula <= ctx.run.config["build_up_to"].as<int64_t>()) {
    models::DecoderLM model(config);
    int64_t counted = 0;
    for (const auto& p : model->parameters()) counted += p.numel();
    g.attrs["params_counted"] = counted;
  }
}

SPIKEBENCH_RUNNER("param_count", "parameter counts of a model size (formula and module)",
                  kDefaults.c_str(), /*needs_data=*/false, run);

}  // namespace
}  // namespace spikebench
