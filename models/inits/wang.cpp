// Wang & Komatsuzaki (2021) initialization as used by GPT-NeoX and Pythia (App. C): W_2 and W_O ~
// N(0, 2/(N sqrt(d))), everything else N(0, σ), σ = sqrt(2/(5d)).
#include <cmath>

#include "models/init.h"

namespace spikebench::models {
namespace {

InitScheme wang(const InitContext& c) {
  const Draw s{c.sigma};
  const Draw reduced{2.0 / (static_cast<double>(c.layers) * std::sqrt(static_cast<double>(c.d)))};
  return {s, s, s, s, s, reduced, s, reduced};
}

SPIKEBENCH_REGISTER(InitKind, "wang", "W2, W_O ~ N(0, 2/(N sqrt(d))); rest N(0, σ)", wang);

}  // namespace
}  // namespace spikebench::models
