// Vanilla (§4.2): scaled initialization with no embedding modification — the identity.
#include "models/stabilizer.h"

namespace spikebench::models {
namespace {

class Vanilla : public StabilizerImpl {
 public:
  explicit Vanilla(const ModelConfig&) {}
};

SPIKEBENCH_STABILIZER("vanilla", "no modification (the paper's Vanilla baseline)", Vanilla);

}  // namespace
}  // namespace spikebench::models
