#pragma once
// The stability monitor: every rule that watches a training run, in one place (OLMo-core
// keeps it as a callback outside the loop). Per update it takes the loss, the pre-clip
// gradient norm and whether the update was skipped (an fp16 overflow), and reports
//   - loss and gradient-norm spikes (SpikeDetector: z > k over an expanding window, W = 128);
//   - divergence, the paper's N/A: a non-finite loss or gradient norm; the loss above
//     `diverge_factor` × its running minimum for `diverge_patience` consecutive updates; or an
//     fp16 run that cannot make progress — `max_skipped` consecutive skipped updates, or an
//     overflow with the loss scale already at its minimum (Table 2's 1.7B at lr 1e-3 in fp16);
//     likewise `max_skipped` consecutive updates an intervention discarded (skip_nonfinite).
// Skipped updates are not training signals: they feed neither the spike detectors nor the
// loss rule. The state is checkpointed (state()/restore()), so --resume is exact.
#include <cstdint>
#include <string>
#include <vector>

#include "suite/config/reader.h"
#include "suite/engine/spike_detector.h"

namespace spikebench::engine {

struct StabilityOptions {
  int64_t spike_window = 128;     // W
  int64_t spike_min_window = 16;  // values before the first z
  double spike_k = 6.0;           // spike: z > k
  double diverge_factor = 2.0;    // loss > factor × running minimum ...
  int64_t diverge_patience = 20;  // ... for this many consecutive updates
  int64_t max_skipped = 50;       // fp16: consecutive skipped updates that end the run
};

struct StepSignal {
  int64_t step = 0;
  double loss = 0, grad_norm = 0;
  bool skipped = false;       // fp16 overflow: the optimizer did not step
  bool scale_at_min = false;  // the loss scale was already at its minimum
  bool discarded = false;  // an intervention discarded it (non-finite): skipped, like an overflow
};

struct Observation {
  double loss_z = NAN, grad_z = NAN;
  bool loss_spike = false, grad_spike = false;
  std::string diverged;  // empty, or why the run must stop (the status becomes diverged@step)
};

/// The keys of kStabilityKeys, range-checked (errors name the key).
StabilityOptions parse_stability(const config::Reader& r);
/// The monitor's keys with their defaults and meaning, for a runner's table of keys.
extern const char* const kStabilityKeys;

class StabilityMonitor {
 public:
  explicit StabilityMonitor(StabilityOptions o = {});
  Observation observe(const StepSignal& s);

  int64_t updates() const { return updates_; }  // updates that were not skipped
  int64_t loss_spikes() const { return loss_spikes_; }
  int64_t grad_spikes() const { return grad_spikes_; }
  /// Spikes per 1,000 judged updates — OLMo 2's SpikeScore idea. Judged: not skipped, and
  /// after the detector's first spike_min_window values (before them no z exists).
  double loss_spike_score() const;
  double grad_spike_score() const;

  /// Everything observe() depends on, as numbers (checkpointed as one tensor).
  std::vector<double> state() const;
  void restore(const std::vector<double>& state);

 private:
  StabilityOptions o_;
  SpikeDetector loss_, grad_;
  double running_min_ = INFINITY;
  int64_t above_ = 0, skipped_in_row_ = 0, updates_ = 0, loss_spikes_ = 0, grad_spikes_ = 0;
  int64_t loss_judged_ = 0, grad_judged_ = 0;  // updates with a z (the spike scores' denominators)
};

}  // namespace spikebench::engine
