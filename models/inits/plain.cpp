// Plain initialization (§2.2): every weight ~ N(0, σ), σ = sqrt(2/(5d)).
#include "models/init.h"

namespace spikebench::models {
namespace {

InitScheme plain(const InitContext& c) {
  const Draw s{c.sigma};
  return {s, s, s, s, s, s, s, s};
}

SPIKEBENCH_REGISTER(InitKind, "plain", "all weights N(0, σ), σ = sqrt(2/(5d))", plain);

}  // namespace
}  // namespace spikebench::models
