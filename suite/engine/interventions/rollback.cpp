// Rollback (PaLM, Chowdhery et al. 2022, §5.1 Training instability): "We re-started training
// from a checkpoint roughly 100 steps before the spike started, and skipped roughly 200–500 data
// batches, which cover the batches that were seen before and during the spike."
// Here, on a loss spike the stability monitor detects at update t (its z > spike_k rule, the
// spikes the checks count; with `rollback_grad_spikes: 1` a gradient-norm spike too):
//   1. the run's whole state (model, AdamW, data position, loss scaler, monitor, the other
//      callbacks' states, RNG streams) is restored to the newest snapshot s <= t − lag
//      (`rollback_lag`, PaLM ~100), or to the oldest one kept when none is that old;
//   2. `rollback_skip` training batches are skipped (PaLM 200–500): update s trains on the batch
//      rollback_skip past the one it trained on in the run that spiked, so the batches from s
//      through the spike's are not trained on again (rollback_skip >= lag + every guarantees
//      it), and the data only moves forward, however many rollbacks there are;
//   3. the run continues at update s (engine::fit's rewind); the rows logged for updates s..t go
//      (as a restart from a checkpoint overwrites them), and rollback/ records the event:
//      spike_step t, restored_to s, loss and grad_norm at t (the batches skipped are the
//      config's rollback_skip).
// Snapshots are in memory, one every `rollback_every` updates (and at the first update), the
// newest lag/every + 2 kept (the ring goes into the run's checkpoint, so --resume continues
// exactly). After `rollback_max` rollbacks a spike is left alone (a spike that recurs however
// the data moves — an lr spike keyed to its update — would otherwise loop). Choices
// (docs/fidelity.md): PaLM's detection was by hand; a divergence still ends the run (the
// paper's N/A, not rescued); the skip counts from the spiking run's batches, not the snapshot's,
// so a second rollback to an older snapshot never replays a batch.
#include <deque>

#include "core/error.h"
#include "suite/engine/checkpoint.h"
#include "suite/engine/intervention.h"
#include "suite/engine/run_log.h"
#include "suite/data/batches.h"

namespace spikebench::engine {
namespace {

class Rollback final : public Callback {
 public:
  Rollback(const models::SettingValues& s, results::Group& g)
      : group_(g),
        lag_(static_cast<int64_t>(models::setting_value(s, "rollback_lag"))),
        skip_(static_cast<int64_t>(models::setting_value(s, "rollback_skip"))),
        every_(static_cast<int64_t>(models::setting_value(s, "rollback_every"))),
        max_(static_cast<int64_t>(models::setting_value(s, "rollback_max"))),
        on_grad_(models::setting_value(s, "rollback_grad_spikes") != 0) {
    if (skip_ < lag_ + every_)
      fail("rollback_skip: ", skip_, " batches do not reach past a spike ", lag_ + every_ - 1,
           " updates after the snapshot restored (needs >= rollback_lag + rollback_every = ",
           lag_ + every_, ")");
  }
  std::string name() const override { return "rollback"; }

  void bind(TrainState& state) override {
    if (!state.data)
      fail("rollback: this runner's batches cannot be skipped (train_lm's can, train_mt's not)");
    state_ = &state;
  }
  void on_fit_begin(int64_t start) override {
    if (!state_) fail("rollback: the runner did not bind the run's state (engine::bind_state)");
    if (ring_.empty()) take(start);
  }

  void on_update(Update& u) override {
    const bool spike = u.obs.loss_spike || (on_grad_ && u.obs.grad_spike);
    if (!spike || rollbacks_ >= max_ || ring_.empty()) return;
    auto target = ring_.front().first;  // the oldest, unless one is lag updates old
    for (const auto& [at, blob] : ring_)
      if (at <= u.step - lag_) target = at;
    pending_ = {static_cast<double>(u.step), static_cast<double>(target), u.stats.loss,
                u.stats.grad_norm};
    u.rewind_to = target;
  }

  void on_rewind(int64_t step, int64_t to) override {
    if (static_cast<int64_t>(pending_[0]) != step) return;  // another callback's rewind
    while (ring_.back().first > to) ring_.pop_back();         // the undone updates' snapshots
    const int64_t resume_batch = state_->data->batch_index(to) + skip_;  // the spiking run's + S
    restoring_ = true;
    restore_state(*state_, ring_.back().second);
    restoring_ = false;
    state_->data->skip(resume_batch - state_->data->batch_index(to));
    truncate_after(group_, to - 1);
    const char* names[] = {"spike_step", "restored_to", "loss", "grad_norm"};
    for (size_t i = 0; i < pending_.size(); ++i) {
      auto& d = group_.dataset(std::string("rollback/") + names[i]);
      d.integer = i < 2;
      d.append(pending_[i]);
    }
    ++rollbacks_, undone_ += step - to + 1;
  }

  void after_update(const Update& u) override {
    if ((u.step + 1) % every_ == 0) take(u.step + 1);
  }
  void on_fit_end(const std::string&) override {
    group_.attrs["rollback_updates"] = rollbacks_;  // the spikes rolled back (<name>_updates)
    group_.attrs["rolled_back_updates"] = undone_;  // the updates they undid
  }

  bool has_state() const override { return true; }
  void save(torch::serialize::OutputArchive& a) const override {
    if (snapshotting_) {  // a snapshot of the run does not hold the ring itself
      a.write("in_snapshot", torch::tensor(int64_t{1}));
      return;
    }
    a.write("counts", torch::tensor({rollbacks_, undone_}));
    std::vector<int64_t> steps;
    for (const auto& [at, blob] : ring_) {
      a.write("snapshot_" + std::to_string(steps.size()),
              torch::from_blob(const_cast<char*>(blob.data()), {static_cast<int64_t>(blob.size())},
                               torch::kUInt8)
                  .clone());
      steps.push_back(at);
    }
    a.write("steps", torch::tensor(steps, torch::kInt64));
  }
  void load(torch::serialize::InputArchive& a) override {
    if (restoring_) return;  // restoring a snapshot: the ring and the counts stay
    torch::Tensor counts, steps;
    a.read("counts", counts), a.read("steps", steps);
    rollbacks_ = counts[0].item<int64_t>(), undone_ = counts[1].item<int64_t>();
    ring_.clear();
    for (int64_t i = 0; i < steps.numel(); ++i) {
      torch::Tensor blob;
      a.read("snapshot_" + std::to_string(i), blob);
      blob = blob.cpu().contiguous();
      ring_.emplace_back(steps[i].item<int64_t>(),
                         std::string(static_cast<const char*>(blob.data_ptr()),
                                     static_cast<size_t>(blob.numel())));
    }
    keep_rows(rollbacks_);  // rows a killed run wrote after its checkpoint go
  }

 private:
  void take(int64_t at) {
    snapshotting_ = true;
    ring_.emplace_back(at, snapshot_state(*state_));
    snapshotting_ = false;
    while (static_cast<int64_t>(ring_.size()) > lag_ / every_ + 2) ring_.pop_front();
  }
  void keep_rows(int64_t n) {
    if (auto* g = group_.groups.count("rollback") ? group_.groups.at("rollback").get() : nullptr)
      for (auto& [name, d] : g->datasets) {
        std::vector<bool> keep(static_cast<size_t>(d.rows()));
        for (int64_t i = 0; i < d.rows(); ++i) keep[static_cast<size_t>(i)] = i < n;
        d.keep_rows(keep);
      }
  }

  results::Group& group_;
  int64_t lag_, skip_, every_, max_;
  bool on_grad_;
  TrainState* state_ = nullptr;
  std::deque<std::pair<int64_t, std::string>> ring_;  // (update, snapshot), oldest first
  std::vector<double> pending_ = {-1, -1, 0, 0};       // the rewind asked for at on_update
  int64_t rollbacks_ = 0, undone_ = 0;
  bool snapshotting_ = false, restoring_ = false;
};

SPIKEBENCH_REGISTER(
    InterventionKind, "rollback",
    (InterventionKind{
        "PaLM rollback: on a loss spike restore the state ~lag updates earlier and skip the "
        "next batches",
        {{"rollback_lag", "100", 1, 1e6,
          "rollback: restore the newest snapshot at least this many updates before the spike "
          "(PaLM ~100)",
          /*omit_at_default=*/true},
         {"rollback_skip", "200", 1, 1e9,
          "rollback: training batches skipped from the restored update (PaLM 200-500)",
          /*omit_at_default=*/true},
         {"rollback_every", "50", 1, 1e6, "rollback: a snapshot in memory every this many updates",
          /*omit_at_default=*/true},
         {"rollback_max", "20", 0, 1e6, "rollback: at most this many rollbacks in a run",
          /*omit_at_default=*/true},
         {"rollback_grad_spikes", "0", 0, 1,
          "rollback: 1 = also on a gradient-norm spike (PaLM: loss spikes)",
          /*omit_at_default=*/true}},
        [](const models::SettingValues& s, results::Group& g) {
          return std::make_unique<Rollback>(s, g);
        }}));

}  // namespace
}  // namespace spikebench::engine
