#pragma once
// engine::fit — the one training loop of every runner (train_lm, train_mt), in the shape of
// OLMo-core's Trainer.fit: the runner supplies the update (a step function) and the loop calls
// its callbacks around it. What a run does besides updating — the stability monitor, logging,
// validation, checkpoints, checkpoint-averaging snapshots, progress, and the interventions of
// suite/engine/intervention.h — is a Callback, so a new monitored signal or intervention is one
// file and its registration.
//
// The order is the contract a callback can rely on. Before the first update: `on_fit_begin(start)`,
// every callback in list order. Then per update:
//   1. the step function runs the update; inside it, after the loss and the pre-clip gradient
//      norm are known and before the optimizer steps, every callback's `propose` is asked in
//      list order (each sees every update; any `skip`/`discard` vetoes the step); then, on an
//      update that will be applied, every callback's `before_step` in list order, after global
//      clipping (optimizer-side methods: rescale gradients, scale a tensor's learning rate);
//   2. `on_update`, every callback in list order — even on the update that ends the run; any
//      callback may set Update::stop (the stability monitor's divergence does);
//   3. unless the run stopped or rewinds: `after_update`, every callback in list order
//      (validation, snapshots, checkpoints, progress act here, on a state that is consistent
//      after the update);
//   3'. when a callback set Update::rewind_to (a rollback: PaLM's restart from an earlier
//      state): `on_rewind(step, to)`, every callback in list order — the rollback restores the
//      state of update `to` there — and the loop continues at update `to`;
//   4. after the last update (or the stop): `on_fit_end(status)`, in list order.
// A callback with state (`has_state`) is checkpointed under its name by the checkpoint
// callback and restored before fit starts, so --resume stays bit-identical. A callback that
// restores the run's whole state (rollback) gets it through `bind` before fit starts.
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "suite/engine/stability_monitor.h"
#include "suite/engine/trainer.h"

namespace spikebench::engine {

/// One update as the loop saw it: what the step function measured, and what callbacks added.
struct Update {
  int64_t step = 0;    // 0-based update index
  double lr = 0;       // the learning rate it used
  StepStats stats;     // the Trainer's: loss, pre-clip gradient norm, applied, vetoed, ...
  int64_t tokens = 0;  // tokens trained through this update, cumulative (train/tokens)
  double seconds = 0;  // wall time of the step function
  std::string line;    // the progress line's text, as the step function writes it
  Observation obs;     // the stability monitor's judgement (set by its callback)
  std::string stop;    // set by a callback: why the run ends after this update
  int64_t rewind_to = -1;  // set by a callback: the update the run continues at (on_rewind)
};

struct TrainState;

class Callback {
 public:
  virtual ~Callback() = default;
  /// Its name: the results group and checkpoint entry it owns (e.g. "skip_step").
  virtual std::string name() const = 0;
  /// Before the optimizer steps (step 1 above): apply the update, skip it (a training signal
  /// that is not applied: OLMo-core's skip-step), or discard it (not a training signal at all,
  /// like an fp16 overflow: Megatron's skip on non-finite gradients).
  virtual StepVerdict propose(const StepProposal& /*p*/) { return StepVerdict::apply; }
  /// Just before AdamW steps an applied update: may rescale the gradients in place and set
  /// per-tensor learning-rate multipliers (trainer.h: OptimizerStep).
  virtual void before_step(OptimizerStep& /*s*/) {}
  virtual void on_fit_begin(int64_t /*start*/) {}
  virtual void on_update(Update& /*u*/) {}
  virtual void after_update(const Update& /*u*/) {}
  /// Update `step` is undone: the run continues at update `to` (<= step), whose state the
  /// callback that asked for it restores here.
  virtual void on_rewind(int64_t /*step*/, int64_t /*to*/) {}
  virtual void on_fit_end(const std::string& /*status*/) {}
  /// Resumable state, checkpointed under name() (nothing by default).
  virtual bool has_state() const { return false; }
  virtual void save(torch::serialize::OutputArchive& /*a*/) const {}
  virtual void load(torch::serialize::InputArchive& /*a*/) {}
  /// The run's whole state, for a callback that snapshots and restores it (rollback); `state`
  /// outlives fit.
  virtual void bind(TrainState& /*state*/) {}
};

using Callbacks = std::vector<Callback*>;

/// The runner's update: performs update `step`, passing `hooks` to Trainer::update.
using StepFn = std::function<Update(int64_t step, const StepHooks& hooks)>;

/// Updates [start, steps) with `callbacks` (steps 1-4 above; after a rewind to update s, updates
/// [s, steps) again); returns the run's status: "ok", or the stop reason a callback set
/// ("diverged@<step>").
std::string fit(int64_t start, int64_t steps, const StepFn& step, const Callbacks& callbacks);

/// The checkpointed state of every callback that has one, each in a sub-archive named by it
/// (TrainState::save_extra / load_extra); null functions when none has state. The functions
/// refer to `callbacks`, which must outlive them.
std::function<void(torch::serialize::OutputArchive&)> save_states(const Callbacks& callbacks);
std::function<void(torch::serialize::InputArchive&)> load_states(const Callbacks& callbacks);
/// Callback::bind(state) for each of `callbacks`.
void bind_state(const Callbacks& callbacks, TrainState& state);

}  // namespace spikebench::engine
