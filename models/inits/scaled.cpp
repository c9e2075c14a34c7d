// Scaled initialization (§2.2, Shoeybi et al. 2020; Le Scao et al. 2022): W_2 and W_O ~
// N(0, σ/sqrt(2N)), everything else N(0, σ), σ = sqrt(2/(5d)). 2N is the number of residual
// branches of an N-layer decoder (attention and FFN per layer): the reduction keeps the sum of
// the branches' output variances independent of depth. In an encoder-decoder the count is the
// stack's own — 2N for the encoder and for Peitz et al.'s cross+self decoder, 3M for a decoder
// with separate self- and cross-attention — so σ/sqrt(branches) is the same rule.
#include <cmath>

#include "models/init.h"

namespace spikebench::models {
namespace {

InitScheme scaled(const InitContext& c) {
  const Draw s{c.sigma}, reduced{c.sigma / std::sqrt(static_cast<double>(c.branches))};
  return {s, s, s, s, s, reduced, s, reduced};
}

SPIKEBENCH_REGISTER(InitKind, "scaled", "W2, W_O ~ N(0, σ/sqrt(2N)); rest N(0, σ)", scaled);

}  // namespace
}  // namespace spikebench::models
