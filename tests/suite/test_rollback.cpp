// PaLM's rollback (suite/engine/interventions/rollback.cpp) against the state it must restore: a
// one-weight model trained by AdamW on numbered batches, a spike planted on one batch. The
// rollback must continue from exactly the state of update t − k (weights, AdamW's moments and
// step count, the callbacks' states), skip the stated batches, leave one row per update in the
// results, and continue exactly from its checkpointed state.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <unistd.h>

#include "suite/data/batches.h"
#include "suite/engine/checkpoint.h"
#include "suite/engine/fit.h"
#include "suite/engine/intervention.h"

using namespace spikebench;
using namespace spikebench::engine;

namespace {

/// Batch b is the number b itself, as a (1, 1) tensor.
class NumberedBatches final : public BatchSource {
 public:
  torch::Tensor train(int64_t step, int64_t) override {
    return torch::full({1, 1}, batch_index(step), torch::kInt64);
  }
  torch::Tensor valid(int64_t, int64_t) override { return {}; }
};

/// The stability monitor's place: a loss spike on each planted batch; logs train/step per update.
class PlantedSpikes final : public Callback {
 public:
  PlantedSpikes(std::vector<int64_t> bad, NumberedBatches& data, results::Group& g)
      : bad_(std::move(bad)), data_(data), g_(g) {}
  std::string name() const override { return "stability"; }
  void on_update(Update& u) override {
    const int64_t b = data_.batch_index(u.step);
    u.obs.loss_spike = std::find(bad_.begin(), bad_.end(), b) != bad_.end();
    g_.dataset("train/step").append(static_cast<double>(u.step));
  }

 private:
  std::vector<int64_t> bad_;
  NumberedBatches& data_;
  results::Group& g_;
};

/// One run: w ← AdamW on (w − b/10)² for batch b; records what each update started from.
struct Run {
  int seeded = (torch::manual_seed(1), 0);  // the same initial weight in every Run
  torch::nn::Linear model{torch::nn::LinearOptions(1, 1).bias(false)};
  torch::optim::AdamW optimizer{model->parameters(), torch::optim::AdamWOptions(0.05)};
  NumberedBatches data;
  results::Group g;
  std::unique_ptr<Callback> rollback;
  std::vector<std::pair<int64_t, int64_t>> seen;  // (update, batch), every call
  std::vector<std::vector<double>> starts;        // (w, exp_avg, AdamW step) at each call

  explicit Run(models::SettingValues settings) {
    for (const auto& d : intervention_settings())
      settings.emplace(d.setting.key, d.setting.default_value());
    rollback = Registry<InterventionKind>::instance().get("rollback").make(settings, g);
  }
  std::vector<double> start_of_update() {
    const auto& w = model->weight;
    auto it = optimizer.state().find(w.unsafeGetTensorImpl());
    if (it == optimizer.state().end()) return {w.item<double>(), 0, 0};
    auto& st = static_cast<torch::optim::AdamWParamState&>(*it->second);
    return {w.item<double>(), st.exp_avg().item<double>(), static_cast<double>(st.step())};
  }
  StepFn step() {
    return [this](int64_t s, const StepHooks&) {
      const int64_t b = data.train(s, 1).item<int64_t>();
      seen.emplace_back(s, b);
      starts.push_back(start_of_update());
      optimizer.zero_grad();
      auto loss = (model->weight - static_cast<double>(b) / 10).square().sum();
      loss.backward();
      optimizer.step();
      Update u;
      u.stats.loss = loss.item<double>();
      return u;
    };
  }
  std::string fit_with(std::vector<int64_t> bad, int64_t start, int64_t steps) {
    PlantedSpikes spikes(std::move(bad), data, g);
    Callbacks callbacks{&spikes, rollback.get()};
    TrainState state{*model, optimizer, &data, nullptr, nullptr, torch::kCPU, 0,
                     save_states(callbacks), load_states(callbacks)};
    bind_state(callbacks, state);
    return fit(start, steps, step(), callbacks);
  }
};

const models::SettingValues kSmall = {
    {"rollback_lag", 10}, {"rollback_every", 5}, {"rollback_skip", 20}};

}  // namespace

TEST_CASE("rollback restores the state of update t − k and skips the stated batches",
          "[engine][fit][intervention]") {
  Run r(kSmall);
  // Snapshots at 0, 5, 10, 15, 20 (the newest lag/every + 2 = 4 kept); the spike on batch 23
  // (update 23): the newest snapshot at or before 23 − 10 is update 10's.
  CHECK(r.fit_with({23}, 0, 40) == "ok");
  // Every update ran once, and updates 10..23 twice: the second time from update 10's state.
  REQUIRE(r.seen.size() == 40 + 14);
  CHECK(r.seen[23] == std::pair<int64_t, int64_t>{23, 23});
  CHECK(r.seen[24] == std::pair<int64_t, int64_t>{10, 30});  // skipped batches 10..29
  CHECK(r.seen.back() == std::pair<int64_t, int64_t>{39, 59});
  CHECK(r.data.skipped() == 20);
  // Update 10 ran again from the state it had the first time: weight, AdamW moment, step count.
  CHECK(r.starts[24] == r.starts[10]);
  CHECK(r.starts[24][2] == 10);
  CHECK(r.starts[24] != r.starts[23]);
  // The results hold one row per update (the undone ones went), and the rollback's record.
  const auto& steps = r.g.find_dataset("train/step")->values;
  REQUIRE(steps.size() == 40);
  for (size_t i = 0; i < steps.size(); ++i) CHECK(steps[i] == static_cast<double>(i));
  CHECK(r.g.find_dataset("rollback/spike_step")->values == std::vector<double>{23});
  CHECK(r.g.find_dataset("rollback/restored_to")->values == std::vector<double>{10});
  CHECK(r.g.find_dataset("rollback/batches_skipped") == nullptr);  // the config's rollback_skip
  CHECK(r.g.attr_number("rollback_updates") == 1);
  CHECK(r.g.attr_number("rolled_back_updates") == 14);
}

TEST_CASE("rollback: the second time at one snapshot skips further; rollback_max bounds it",
          "[engine][fit][intervention]") {
  // Batches 23 and 30 spike: the first rollback (23 -> 10) lands on batch 30, which spikes at
  // update 10 itself: the oldest snapshot kept (5; none is 10 updates old) is restored, and
  // update 5 trains on the batch 20 past the one it had in the run that spiked (25): 45.
  Run r(kSmall);
  CHECK(r.fit_with({23, 30}, 0, 40) == "ok");
  CHECK(r.g.find_dataset("rollback/spike_step")->values == std::vector<double>{23, 10});
  CHECK(r.g.find_dataset("rollback/restored_to")->values == std::vector<double>{10, 5});
  CHECK(r.seen.back() == std::pair<int64_t, int64_t>{39, 79});
  models::SettingValues none = kSmall;
  none["rollback_max"] = 0;
  Run bounded(none);
  CHECK(bounded.fit_with({23}, 0, 40) == "ok");
  CHECK(bounded.seen.size() == 40);
  CHECK(bounded.g.attr_number("rollback_updates") == 0);
}

TEST_CASE("rollback: rollback_skip must reach past the spike", "[engine][fit][intervention]") {
  models::SettingValues short_skip = kSmall;
  short_skip["rollback_skip"] = 14;  // < lag + every = 15
  CHECK_THROWS_WITH(Run(short_skip), Catch::Contains("rollback_skip"));
}

TEST_CASE("rollback's checkpointed state (its ring, counts and rows) continues exactly",
          "[engine][fit][intervention]") {
  Run whole(kSmall);
  whole.fit_with({23}, 0, 40);
  // Up to update 30 (after the rollback), a checkpoint, then a fresh run resumed from it.
  Run first(kSmall);
  first.fit_with({23}, 0, 30);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("spikebench-rollback-" + std::to_string(::getpid()));
  {
    PlantedSpikes spikes({23}, first.data, first.g);
    Callbacks callbacks{&spikes, first.rollback.get()};
    TrainState state{*first.model, first.optimizer,        &first.data,
                     nullptr,      nullptr,                torch::kCPU,
                     0,            save_states(callbacks), load_states(callbacks)};
    save_checkpoint(dir, 30, state);
  }
  Run second(kSmall);
  for (const char* d : {"train/step", "rollback/spike_step", "rollback/restored_to"})
    second.g.dataset(d) = *first.g.find_dataset(d);  // the results file a resume reads
  {
    PlantedSpikes spikes({23}, second.data, second.g);
    Callbacks callbacks{&spikes, second.rollback.get()};
    TrainState state{*second.model, second.optimizer,       &second.data,
                     nullptr,       nullptr,                torch::kCPU,
                     0,             save_states(callbacks), load_states(callbacks)};
    bind_state(callbacks, state);
    REQUIRE(load_checkpoint(dir, state) == 30);
    CHECK(fit(30, 40, second.step(), callbacks) == "ok");
  }
  std::filesystem::remove_all(dir);
  CHECK(second.start_of_update() == whole.start_of_update());
  CHECK(second.data.skipped() == 20);
  CHECK(second.g.find_dataset("rollback/spike_step")->values == std::vector<double>{23});
  CHECK(second.g.attr_number("rollback_updates") == 1);
}
