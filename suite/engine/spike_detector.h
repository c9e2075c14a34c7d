#pragma once
// Spike detector (docs/design.md, "Spikes"; OLMo-core's stability monitor, llm.c's outlier detector): a
// value is a spike when it exceeds the mean of the previous values by k standard deviations.
// The window expands from `min_window` values up to `window` (W), so spikes in the first W
// updates — where §5.2 and Fig. 1 put the early ones — are seen; a flat baseline (σ = 0)
// flags nothing, as OLMo-core does. Mean and σ are recomputed from the ring buffer (two
// passes), not from running sums, so there is no cancellation drift.
#include <cstdint>
#include <vector>

namespace spikebench::engine {

class SpikeDetector {
 public:
  explicit SpikeDetector(int64_t window = 128, double k = 6.0, int64_t min_window = 16);
  /// z-score of `value` against the previous min(count, W) values (NaN while fewer than
  /// `min_window`; 0 when they are all equal), then adds it (non-finite values are not added).
  double push(double value);
  /// Whether the z returned by push() marks a spike.
  bool is_spike(double z) const { return z > k_; }
  /// The values in the window, oldest first (checkpoint state), and their restoration.
  std::vector<double> window_values() const;
  void restore(const std::vector<double>& values);

 private:
  std::vector<double> ring_;
  int64_t filled_ = 0, next_ = 0, min_window_;
  double k_;
};

}  // namespace spikebench::engine
