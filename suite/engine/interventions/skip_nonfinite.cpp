// Skip on non-finite (Megatron-LM's mixed-precision optimizer, megatron/core/optimizer:
// MixedPrecisionOptimizer.step returns without stepping when the unscaled gradients hold an inf
// or NaN, and counts the skipped iteration): here in every precision, for a non-finite loss or
// pre-clip gradient norm. The update is discarded — not a training signal, as an fp16 overflow
// is — so the stability monitor counts it as skipped and ends the run only after `max_skipped`
// consecutive ones, instead of at the first non-finite value (its rule without this).
#include <cmath>

#include "suite/engine/intervention.h"

namespace spikebench::engine {
namespace {

class SkipNonfinite final : public RecordingIntervention {
 public:
  explicit SkipNonfinite(results::Group& g) : RecordingIntervention(g) {}
  std::string name() const override { return "skip_nonfinite"; }
  StepVerdict propose(const StepProposal& p) override {
    const bool bad = !std::isfinite(p.loss) || !std::isfinite(p.grad_norm);
    if (bad) acted(p.step);
    return bad ? StepVerdict::discard : StepVerdict::apply;
  }
};

SPIKEBENCH_REGISTER(InterventionKind, "skip_nonfinite",
                    (InterventionKind{
                        "Megatron-style: discard an update with a non-finite loss or grad norm "
                        "(counted as skipped; max_skipped in a row diverges)",
                        {},
                        [](const models::SettingValues&, results::Group& g) {
                          return std::make_unique<SkipNonfinite>(g);
                        }}));

}  // namespace
}  // namespace spikebench::engine
