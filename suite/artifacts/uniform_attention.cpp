// Runner `uniform_attention` (Eq. 15, §5.2): when softmax(Z) is uniform over L positions, each
// output is the mean of L layer-normalized vectors, whose variance is at least (1/L)²·L = 1/L.
// Measures var(mean of L LN'd random vectors) for every L and records var·L (1 by Eq. 15).
#include <torch/torch.h>

#include "suite/runner.h"

namespace spikebench {
namespace {

const char* defaults() {
  return R"(
size: none               # unused (grid axis)
seed: 0
d: 1024                  # vector dimension (350M: 1024)
lengths: [128, 256, 512, 1024, 2048]
samples: 64              # independent softmax(Z)X outputs per L (64 × d values)
)";
}

struct UniformAttentionConfig : RunnerConfig {
  int64_t seed = 0, d = 0, samples = 0;
  std::vector<int64_t> lengths;
  static UniformAttentionConfig parse(const config::Reader& r) {
    UniformAttentionConfig c;
    c.seed = r.integer("seed", 0);
    c.d = r.integer("d", 1);
    c.samples = r.integer("samples", 2);
    c.lengths = r.integers("lengths");
    for (auto L : c.lengths)
      if (L < 1) r.error("lengths", "every length must be >= 1");
    return c;
  }
};

void run(RunContext& ctx, const UniformAttentionConfig& c) {
  const int64_t d = c.d, samples = c.samples;
  torch::manual_seed(c.seed);
  auto& g = ctx.group;
  g.dataset("eq15/L").integer = true;
  for (const int64_t L : c.lengths) {
    auto x = torch::layer_norm(torch::randn({samples, L, d}), {d});  // LN'd rows: var 1
    auto uniform = x.mean(1);                                        // softmax(Z) = 1/L
    const double var = uniform.var().item<double>();
    g.dataset("eq15/L").append(static_cast<double>(L));
    g.dataset("eq15/var").append(var);
    g.dataset("eq15/var_times_L").append(var * static_cast<double>(L));
  }
}

SPIKEBENCH_RUNNER("uniform_attention", UniformAttentionConfig,
                  "Eq. (15): variance of uniform attention over L positions", defaults,
                  /*needs_data=*/false, run);

}  // namespace
}  // namespace spikebench
