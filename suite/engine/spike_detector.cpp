#include "suite/engine/spike_detector.h"

#include <cmath>

#include "core/error.h"

namespace spikebench::engine {

SpikeDetector::SpikeDetector(int64_t window, double k, int64_t min_window)
    : ring_(static_cast<size_t>(window > 0 ? window : 0)), min_window_(min_window), k_(k) {
  if (window < 2) fail("spike detector: window must be >= 2, got ", window);
  if (min_window < 2 || min_window > window)
    fail("spike detector: min_window must be in [2, window], got ", min_window);
  if (!(k > 0)) fail("spike detector: k must be > 0, got ", k);
}

double SpikeDetector::push(double value) {
  const auto w = static_cast<int64_t>(ring_.size());
  double z = NAN;
  if (filled_ >= min_window_) {
    // Oldest value first, so the sums (hence z) do not depend on where the ring starts: a
    // detector restored from window_values() continues bit for bit.
    const int64_t start = filled_ < w ? 0 : next_;
    auto at = [&](int64_t i) { return ring_[static_cast<size_t>((start + i) % w)]; };
    double mean = 0;
    for (int64_t i = 0; i < filled_; ++i) mean += at(i);
    mean /= static_cast<double>(filled_);
    double var = 0;
    for (int64_t i = 0; i < filled_; ++i) {
      const double dev = at(i) - mean;
      var += dev * dev;
    }
    const double sd = std::sqrt(var / static_cast<double>(filled_ - 1));
    z = sd > 0 ? (value - mean) / sd : 0.0;
  }
  if (std::isfinite(value)) {  // a NaN/Inf is divergence, not part of the baseline
    ring_[static_cast<size_t>(next_)] = value;
    next_ = (next_ + 1) % w;
    if (filled_ < w) ++filled_;
  }
  return z;
}

std::vector<double> SpikeDetector::window_values() const {
  std::vector<double> out;
  const auto w = static_cast<int64_t>(ring_.size());
  const int64_t start = filled_ < w ? 0 : next_;
  for (int64_t i = 0; i < filled_; ++i) out.push_back(ring_[static_cast<size_t>((start + i) % w)]);
  return out;
}

void SpikeDetector::restore(const std::vector<double>& values) {
  filled_ = 0, next_ = 0;
  for (double v : values) push(v);
}

}  // namespace spikebench::engine
