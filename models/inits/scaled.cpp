// Scaled initialization (§2.2, Shoeybi et al. 2020; Le Scao et al. 2022): W_2 and W_O ~
// N(0, σ/sqrt(2N)), everything else N(0, σ), σ = sqrt(2/(5d)).
#include <cmath>

#include "models/init.h"

namespace spikebench::models {
namespace {

InitScheme scaled(const ModelConfig& c) {
  const double s = c.base_sigma();
  const double reduced = s / std::sqrt(2.0 * static_cast<double>(c.n_layers));
  return {s, s, s, reduced, s, reduced};
}

SPIKEBENCH_REGISTER(InitKind, "scaled", "W2, W_O ~ N(0, σ/sqrt(2N)); rest N(0, σ)", scaled);

}  // namespace
}  // namespace spikebench::models
