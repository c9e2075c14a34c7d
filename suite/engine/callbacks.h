#pragma once
// The callbacks every training runner uses with engine::fit (suite/engine/fit.h), in the order
// the runners list them: the stability monitor first (it writes the train/ row and may stop the
// run), the runner's own loggers (train_lm: injections) and weight edits (train_lm: QK-Clip, so
// that a rollback's snapshot holds the edited weights), the interventions, the runner's own
// actions (train_lm: validation; train_mt: averaging snapshots), then checkpoints and progress.
#include <cstdint>
#include <memory>
#include <vector>

#include "models/setting.h"
#include "suite/engine/checkpoint.h"
#include "suite/engine/fit.h"
#include "suite/engine/stability_monitor.h"
#include "suite/runner.h"

namespace spikebench::engine {

/// The stability monitor as a callback: observes each update (an fp16 overflow or a discarded
/// update is a skipped one), appends its train/ row and spikes/ (run_log.h: log_update), and ends
/// a diverged run (status diverged@<step>, attr diverged_reason). Its state is checkpointed as
/// TrainState::monitor (the "stability" entry), so it declares none of its own.
class MonitorCallback final : public Callback {
 public:
  MonitorCallback(StabilityMonitor& monitor, results::Group& group)
      : monitor_(monitor), group_(group) {}
  std::string name() const override { return "stability"; }
  void on_update(Update& u) override;

 private:
  StabilityMonitor& monitor_;
  results::Group& group_;
};

/// A checkpoint every `every` updates (the results file first, then the state to resume from),
/// except after the last update; 0 = never.
class CheckpointCallback final : public Callback {
 public:
  CheckpointCallback(RunContext& ctx, TrainState& state, int64_t every, int64_t steps)
      : ctx_(ctx), state_(state), every_(every), steps_(steps) {}
  std::string name() const override { return "checkpoint"; }
  void after_update(const Update& u) override;

 private:
  RunContext& ctx_;
  TrainState& state_;
  int64_t every_, steps_;
};

/// The progress line after each update (Update::line).
class ProgressCallback final : public Callback {
 public:
  explicit ProgressCallback(Progress& progress) : progress_(progress) {}
  std::string name() const override { return "progress"; }
  void after_update(const Update& u) override;

 private:
  Progress& progress_;
};

/// The interventions a run asked for (suite/engine/intervention.h), built in the listed order.
struct Interventions {
  std::vector<std::unique_ptr<Callback>> owned;
  /// Each registered intervention in `names`, made with `settings` and logging into `group`.
  static Interventions make(const std::vector<std::string>& names,
                            const models::SettingValues& settings, results::Group& group);
  void append_to(Callbacks& callbacks) const {
    for (const auto& c : owned) callbacks.push_back(c.get());
  }
};

}  // namespace spikebench::engine
