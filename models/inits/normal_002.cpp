// N(0, 0.02) for every weight (GPT-2's convention without its residual scaling; OLMo 2, Team OLMo
// 2025, §3.2.1, found it more stable than OLMo-0424's scaled init): embeddings, positions, W_Q,
// W_K, W_V, W_O, W_1, W_2 all at std 0.02, whatever the width or depth.
#include "models/init.h"

namespace spikebench::models {
namespace {

InitScheme normal_002(const InitContext&) {
  const Draw s{0.02};
  return {s, s, s, s, s, s, s, s};
}

SPIKEBENCH_REGISTER(InitKind, "normal_002", "every weight ~ N(0, 0.02) (GPT-2 / OLMo 2)",
                    normal_002);

}  // namespace
}  // namespace spikebench::models
