// OLMo-0424's init as OLMo 2 (Team OLMo 2025, §3.2.1) describes the one it replaced: input
// projections (W_Q, W_K, W_V, W_1) ~ N(0, 1/√d_model), output projections (W_O, W_2) ~
// N(0, 1/√(2·d_model·layer)), layer = the 1-based layer index. The embeddings and positions are
// not described there; they take the input-projection rule, 1/√d_model (a choice; docs/stabilizers.md).
#include <cmath>

#include "models/init.h"

namespace spikebench::models {
namespace {

InitScheme olmo_0424(const InitContext& c) {
  const double d = static_cast<double>(c.d);
  const Draw in{1.0 / std::sqrt(d)}, out{1.0 / std::sqrt(2.0 * d)};
  InitScheme s{in, in, in, in, in, out, in, out};
  s.outputs_by_layer = true;  // ÷ √layer on top of 1/√(2d)
  return s;
}

SPIKEBENCH_REGISTER(InitKind, "olmo_0424",
                    "W_QKV, W1 ~ N(0, 1/√d); W_O, W2 ~ N(0, 1/√(2·d·layer)) (OLMo-0424)",
                    olmo_0424);

}  // namespace
}  // namespace spikebench::models
