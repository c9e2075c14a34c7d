#include "suite/engine/loss_scaler.h"

#include <algorithm>

#include "core/error.h"

namespace spikebench::engine {

DynamicLossScaler::DynamicLossScaler(LossScalerOptions o)
    : o_(o), scale_(o.initial_scale), hysteresis_tracker_(o.hysteresis) {
  if (!(o.initial_scale > 0) || !(o.min_scale > 0) || !(o.growth_factor > 1) ||
      !(o.backoff_factor > 0 && o.backoff_factor < 1) || o.growth_interval < 1 || o.hysteresis < 1)
    fail(
        "loss scaler: invalid options (need scales > 0, growth > 1, 0 < backoff < 1, "
        "growth_interval >= 1, hysteresis >= 1)");
}

bool DynamicLossScaler::update(bool found_overflow) {
  if (found_overflow) {
    ++skipped_;
    growth_tracker_ = 0;
    if (--hysteresis_tracker_ <= 0) scale_ = std::max(scale_ * o_.backoff_factor, o_.min_scale);
    return true;
  }
  if (++growth_tracker_ == o_.growth_interval) {
    growth_tracker_ = 0;
    hysteresis_tracker_ = o_.hysteresis;
    scale_ *= o_.growth_factor;
  }
  return false;
}

void DynamicLossScaler::restore(const State& s) {
  scale_ = s.scale, growth_tracker_ = s.growth_tracker;
  hysteresis_tracker_ = s.hysteresis_tracker, skipped_ = s.skipped;
}

}  // namespace spikebench::engine
