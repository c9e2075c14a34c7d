#pragma once
// What every training runner writes per update and how it resumes: the train/ series (step,
// tokens, loss, pre-clip gradient norm, lr, loss scale, skipped, seconds), the spikes/ the
// stability monitor saw, and the truncation of a run's series to a checkpoint on --resume.
#include <cstdint>

#include "suite/engine/checkpoint.h"
#include "suite/engine/stability_monitor.h"
#include "suite/engine/train_lm_config.h"
#include "suite/engine/trainer.h"
#include "suite/runner.h"

namespace spikebench::engine {

/// The update to start at: the checkpoint's when --resume finds one (the run's rows after it
/// are dropped), else 0 (the run's series are cleared).
int64_t start_or_resume(RunContext& ctx, TrainState& state);

/// Appends one update's row to train/ and, for each spike the monitor flagged, to spikes/.
void log_update(results::Group& g, int64_t step, int64_t tokens, double lr, double seconds,
                const StepStats& st, const Observation& obs);

/// Keeps rows with step <= last in every series group of `g` (train, valid, layers, spikes/*).
void truncate_after(results::Group& g, int64_t last);

/// `device: auto` is the local rank's GPU in a CUDA build that sees one, else the CPU.
torch::Device pick_device(DeviceChoice choice, const Environment& env, int local_rank);

/// Wall time of the updates after the first few (allocator growth, kernel selection).
class Throughput {
 public:
  explicit Throughput(int64_t steps) : warmup_(std::min<int64_t>(5, steps / 10)) {}
  void add(int64_t step, double seconds) {
    if (step >= warmup_) seconds_ += seconds, ++updates_;
  }
  int64_t updates() const { return updates_; }
  double seconds() const { return seconds_; }

 private:
  int64_t warmup_, updates_ = 0;
  double seconds_ = 0;
};

}  // namespace spikebench::engine
