#include "suite/engine/spike_monitor.h"

#include <cmath>

#include "core/error.h"

namespace spikebench::engine {

SpikeMonitor::SpikeMonitor(int64_t window, double k) : ring_(static_cast<size_t>(window)), k_(k) {
  if (window < 2) fail("spike monitor: window must be >= 2, got ", window);
}

double SpikeMonitor::push(double value) {
  const int64_t w = static_cast<int64_t>(ring_.size());
  double z = NAN;
  if (filled_ == w) {
    double mean = 0;
    for (double v : ring_) mean += v;
    mean /= static_cast<double>(w);
    double var = 0;
    for (double v : ring_) var += (v - mean) * (v - mean);
    const double sd = std::sqrt(var / static_cast<double>(w - 1));
    z = sd > 0 ? (value - mean) / sd : (value > mean ? INFINITY : 0.0);
  }
  if (std::isfinite(value)) {  // a NaN/Inf is divergence, not part of the baseline
    ring_[static_cast<size_t>(next_)] = value;
    next_ = (next_ + 1) % w;
    if (filled_ < w) ++filled_;
  }
  return z;
}

}  // namespace spikebench::engine
