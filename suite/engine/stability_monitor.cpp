#include "suite/engine/stability_monitor.h"

#include <cmath>

#include "core/error.h"

namespace spikebench::engine {

const char* const kStabilityKeys = R"(
spike_window: 128        # window W of the spike detectors (expanding from spike_min_window)
spike_min_window: 16     # values before the detectors judge
spike_k: 6.0             # spike threshold: mean + k·σ
diverge_factor: 2.0      # diverged when loss > factor × running minimum ...
diverge_patience: 20     # ... for this many consecutive updates (or at once if non-finite)
max_skipped: 50          # diverged after this many consecutive skipped updates (fp16 overflow, skip_nonfinite)
)";

StabilityOptions parse_stability(const config::Reader& r) {
  StabilityOptions o;
  o.spike_window = r.integer("spike_window", 2);
  o.spike_min_window = r.integer("spike_min_window", 2, o.spike_window);
  o.spike_k = r.real("spike_k", 0, INFINITY, /*open_lo=*/true);
  o.diverge_factor = r.real("diverge_factor", 1, INFINITY, /*open_lo=*/true);
  o.diverge_patience = r.integer("diverge_patience", 1);
  o.max_skipped = r.integer("max_skipped", 1);
  return o;
}

StabilityMonitor::StabilityMonitor(StabilityOptions o)
    : o_(o),
      loss_(o.spike_window, o.spike_k, o.spike_min_window),
      grad_(o.spike_window, o.spike_k, o.spike_min_window) {
  if (!(o.diverge_factor > 1)) fail("stability monitor: diverge_factor must be > 1");
  if (o.diverge_patience < 1) fail("stability monitor: diverge_patience must be >= 1");
  if (o.max_skipped < 1) fail("stability monitor: max_skipped must be >= 1");
}

Observation StabilityMonitor::observe(const StepSignal& s) {
  Observation out;
  if (s.skipped || s.discarded) {  // not a training signal, but progress is not being made
    ++skipped_in_row_;
    if (s.skipped && s.scale_at_min)
      out.diverged = "fp16 overflow with the loss scale at its minimum";
    else if (skipped_in_row_ >= o_.max_skipped)
      out.diverged =
          s.skipped
              ? "fp16: " + std::to_string(skipped_in_row_) + " consecutive overflowing updates"
              : std::to_string(skipped_in_row_) + " consecutive discarded (non-finite) updates";
    return out;
  }
  skipped_in_row_ = 0;
  ++updates_;
  out.loss_z = loss_.push(s.loss);
  out.grad_z = grad_.push(s.grad_norm);
  // A non-finite value is divergence (below), not a spike; an update before the detector's
  // window filled cannot be judged, so it does not count in the per-1,000 denominator either.
  out.loss_spike = std::isfinite(s.loss) && loss_.is_spike(out.loss_z);
  out.grad_spike = std::isfinite(s.grad_norm) && grad_.is_spike(out.grad_z);
  loss_spikes_ += out.loss_spike, grad_spikes_ += out.grad_spike;
  loss_judged_ += !std::isnan(out.loss_z), grad_judged_ += !std::isnan(out.grad_z);
  if (!std::isfinite(s.loss) || !std::isfinite(s.grad_norm)) {
    out.diverged = "non-finite loss or gradient norm";
    return out;
  }
  running_min_ = std::min(running_min_, s.loss);
  above_ = s.loss > o_.diverge_factor * running_min_ ? above_ + 1 : 0;
  if (above_ >= o_.diverge_patience)
    out.diverged = "loss above " + std::to_string(o_.diverge_factor) + "x its minimum for " +
                   std::to_string(above_) + " updates";
  return out;
}

double StabilityMonitor::loss_spike_score() const {
  return loss_judged_
             ? 1000.0 * static_cast<double>(loss_spikes_) / static_cast<double>(loss_judged_)
             : 0.0;
}
double StabilityMonitor::grad_spike_score() const {
  return grad_judged_
             ? 1000.0 * static_cast<double>(grad_spikes_) / static_cast<double>(grad_judged_)
             : 0.0;
}

std::vector<double> StabilityMonitor::state() const {
  const auto l = loss_.window_values(), g = grad_.window_values();
  std::vector<double> s = {running_min_,
                           static_cast<double>(above_),
                           static_cast<double>(skipped_in_row_),
                           static_cast<double>(updates_),
                           static_cast<double>(loss_spikes_),
                           static_cast<double>(grad_spikes_),
                           static_cast<double>(loss_judged_),
                           static_cast<double>(grad_judged_),
                           static_cast<double>(l.size()),
                           static_cast<double>(g.size())};
  s.insert(s.end(), l.begin(), l.end());
  s.insert(s.end(), g.begin(), g.end());
  return s;
}

void StabilityMonitor::restore(const std::vector<double>& s) {
  constexpr size_t kHead = 10;
  if (s.size() < kHead) fail("stability monitor: checkpoint state too short");
  const auto nl = static_cast<size_t>(s[8]), ng = static_cast<size_t>(s[9]);
  if (s.size() != kHead + nl + ng) fail("stability monitor: checkpoint state has the wrong size");
  running_min_ = s[0];
  above_ = static_cast<int64_t>(s[1]), skipped_in_row_ = static_cast<int64_t>(s[2]);
  updates_ = static_cast<int64_t>(s[3]);
  loss_spikes_ = static_cast<int64_t>(s[4]), grad_spikes_ = static_cast<int64_t>(s[5]);
  loss_judged_ = static_cast<int64_t>(s[6]), grad_judged_ = static_cast<int64_t>(s[7]);
  const auto l0 = s.begin() + kHead, g0 = l0 + static_cast<std::ptrdiff_t>(nl);
  loss_.restore(std::vector<double>(l0, g0));
  grad_.restore(std::vector<double>(g0, s.end()));
}

}  // namespace spikebench::engine
