// Runner `param_count` (Table 3): the parameter count of a size, by the formula of
// models/config.h and, where the model fits in memory, by counting the built module's tensors.
#include <torch/torch.h>

#include "models/decoder.h"
#include "suite/model_config.h"
#include "suite/runner.h"

namespace spikebench {
namespace {

const char* defaults() {
  static const std::string d = model_keys_yaml() + R"(
build_up_to: 400000000   # also build the module and count its parameters below this size
)";
  return d.c_str();
}

struct ParamCountConfig : RunnerConfig {
  models::ModelConfig model;
  int64_t build_up_to = 0;
  static ParamCountConfig parse(const config::Reader& r) {
    return {{}, model_config(r), r.integer("build_up_to", 0)};
  }
};

void run(RunContext& ctx, const ParamCountConfig& c) {
  const auto& config = c.model;
  const int64_t formula = models::param_count(config);
  auto& g = ctx.group;
  g.attrs["params"] = formula;
  g.attrs["d"] = config.d;
  g.attrs["n_layers"] = config.n_layers;
  g.attrs["n_heads"] = config.n_heads;
  g.attrs["d_ffn"] = config.d_ffn;
  g.attrs["max_len"] = config.max_len;
  g.attrs["vocab"] = config.vocab;
  if (formula <= c.build_up_to) {
    models::DecoderLM model(config);
    int64_t counted = 0;
    for (const auto& p : model->parameters()) counted += p.numel();
    g.attrs["params_counted"] = counted;
  }
}

SPIKEBENCH_RUNNER("param_count", ParamCountConfig,
                  "parameter counts of a model size (formula and module)", defaults,
                  /*needs_data=*/false, run);

}  // namespace
}  // namespace spikebench
