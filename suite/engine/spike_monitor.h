#pragma once
// Spike detector (DESIGN "Spike"; OLMo-core's stability monitor, llm.c's outlier detector): a
// value is a spike when it exceeds the mean of the trailing window of W previous values by
// k standard deviations. Mean and σ are recomputed from the ring buffer (two passes), not from
// running sums, so there is no cancellation drift. NaN z until the window is full.
#include <cstdint>
#include <vector>

namespace spikebench::engine {

class SpikeMonitor {
 public:
  SpikeMonitor(int64_t window = 128, double k = 6.0);
  /// z-score of `value` against the previous `window` values (NaN while filling), then adds it.
  double push(double value);
  /// Whether the z returned by push() marks a spike.
  bool is_spike(double z) const { return z > k_; }
  void reset() { filled_ = 0, next_ = 0; }

 private:
  std::vector<double> ring_;
  int64_t filled_ = 0, next_ = 0;
  double k_;
};

}  // namespace spikebench::engine
