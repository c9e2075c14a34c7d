#pragma once
// Dynamic loss scaling for fp16 training (Micikevicius et al., 2018), with Megatron-LM's
// DynamicGradScaler rules: the loss is multiplied by `scale` before backward; gradients are
// unscaled before clipping; a step whose gradients overflow (inf/NaN) is skipped and counted.
// After `hysteresis` overflows the scale backs off (× backoff, not below min_scale); after
// `growth_interval` clean steps it grows (× growth) and the hysteresis budget is refilled.
#include <cstdint>

namespace spikebench::engine {

struct LossScalerOptions {
  double initial_scale = 4294967296.0;  // 2^32, Megatron's --initial-loss-scale
  double min_scale = 1.0;
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  int64_t growth_interval = 1000;  // Megatron's --loss-scale-window
  int64_t hysteresis = 2;
};

class DynamicLossScaler {
 public:
  explicit DynamicLossScaler(LossScalerOptions o = {});
  double scale() const { return scale_; }
  /// Records one step's outcome; returns true when the step must be skipped (overflow).
  bool update(bool found_overflow);
  int64_t skipped() const { return skipped_; }

  /// Checkpoint state: scale, growth tracker, hysteresis tracker, skipped count.
  struct State {
    double scale;
    int64_t growth_tracker, hysteresis_tracker, skipped;
  };
  State state() const { return {scale_, growth_tracker_, hysteresis_tracker_, skipped_}; }
  void restore(const State& s);

 private:
  LossScalerOptions o_;
  double scale_;
  int64_t growth_tracker_ = 0, hysteresis_tracker_, skipped_ = 0;
};

}  // namespace spikebench::engine
