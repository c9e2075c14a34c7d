// engine::fit and the interventions: the callback order fit documents (suite/engine/fit.h), a
// gate's veto inside the Trainer, and each intervention's rule against a hand computation —
// skip-step skips exactly the planted spike, skip_nonfinite discards non-finite updates — with
// their checkpointed state continuing exactly.
#include <torch/torch.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "suite/engine/callbacks.h"
#include "suite/engine/fit.h"
#include "suite/engine/intervention.h"
#include "suite/engine/trainer.h"

using namespace spikebench;
using namespace spikebench::engine;

namespace {

/// Records every hook it sees, as "<hook> <name> <step>".
class Recorder final : public Callback {
 public:
  Recorder(std::string name, std::vector<std::string>& log, int64_t stop_at = -1)
      : name_(std::move(name)), log_(log), stop_at_(stop_at) {}
  std::string name() const override { return name_; }
  StepVerdict propose(const StepProposal& p) override {
    log_.push_back("propose " + name_ + " " + std::to_string(p.step));
    return StepVerdict::apply;
  }
  void on_update(Update& u) override {
    log_.push_back("on_update " + name_ + " " + std::to_string(u.step));
    if (u.step == stop_at_) u.stop = "stopped@" + std::to_string(u.step);
  }
  void after_update(const Update& u) override {
    log_.push_back("after_update " + name_ + " " + std::to_string(u.step));
  }
  void on_fit_end(const std::string& status) override {
    log_.push_back("on_fit_end " + name_ + " " + status);
  }

 private:
  std::string name_;
  std::vector<std::string>& log_;
  int64_t stop_at_;
};

/// A step function whose update has the given loss and gradient norm at each step, asking the
/// gate as the Trainer does; returns what the gate decided in Update::stats.
StepFn planted(const std::function<std::pair<double, double>(int64_t)>& values) {
  return [values](int64_t step, const StepGate& gate) {
    Update u;
    const auto [loss, grad_norm] = values(step);
    u.stats.loss = loss, u.stats.grad_norm = grad_norm;
    u.stats.verdict = gate({step, loss, grad_norm});
    u.stats.applied = u.stats.verdict == StepVerdict::apply && std::isfinite(loss);
    return u;
  };
}

std::unique_ptr<Callback> make(const std::string& name, results::Group& g,
                               models::SettingValues settings = {}) {
  for (const auto& d : intervention_settings())
    settings.emplace(d.setting.key, d.setting.default_value());
  return Registry<InterventionKind>::instance().get(name).make(settings, g);
}

/// Noisy values around (3, 1): mean and σ as a training run's after warm-up.
std::pair<double, double> noisy(int64_t step) {
  std::mt19937 rng(static_cast<uint32_t>(step));
  std::normal_distribution<double> n(0, 0.02);
  return {3.0 + n(rng), 1.0 + n(rng)};
}

}  // namespace

TEST_CASE("engine::fit calls a test's callbacks in the documented order", "[engine][fit]") {
  std::vector<std::string> log;
  Recorder a("a", log), b("b", log, /*stop_at=*/3);
  const auto status = fit(2, 10, planted([](int64_t) { return std::pair{3.0, 1.0}; }), {&a, &b});
  CHECK(status == "stopped@3");
  const std::vector<std::string> expected = {
      "propose a 2",
      "propose b 2",
      "on_update a 2",
      "on_update b 2",
      "after_update a 2",
      "after_update b 2",
      "propose a 3",
      "propose b 3",
      "on_update a 3",
      "on_update b 3",  // the stop: no after_update for update 3
      "on_fit_end a stopped@3",
      "on_fit_end b stopped@3"};
  CHECK(log == expected);
  log.clear();
  CHECK(fit(0, 1, planted([](int64_t) { return std::pair{3.0, 1.0}; }), {&a}) == "ok");
  CHECK(log.back() == "on_fit_end a ok");
}

TEST_CASE("a gate's skip leaves the weights and AdamW's state as they were", "[engine][fit]") {
  torch::manual_seed(3);
  auto w = torch::randn({4, 4}, torch::requires_grad());
  TrainerOptions o;
  Trainer trainer({w}, {}, o, torch::kCPU, nullptr);
  auto micro = [&](int64_t) {
    auto loss = (w * w).sum();
    return MicroLoss{loss, loss.item<double>()};
  };
  trainer.update(1e-2, 1, micro);  // AdamW has state now
  const auto before = w.detach().clone();
  auto& st = static_cast<torch::optim::AdamWParamState&>(
      *trainer.optimizer().state().at(w.unsafeGetTensorImpl()));
  const auto m = st.exp_avg().clone();
  const int64_t t = st.step();
  StepProposal seen;
  const StepGate skip = [&](const StepProposal& p) {
    seen = p;
    return StepVerdict::skip;
  };
  const auto s = trainer.update(1e-2, 1, micro, false, &skip, /*step=*/7);
  CHECK_FALSE(s.applied);
  CHECK(s.verdict == StepVerdict::skip);
  CHECK(seen.step == 7);
  CHECK(seen.loss == s.loss);
  CHECK(seen.grad_norm == s.grad_norm);  // the pre-clip norm
  CHECK(torch::equal(w.detach(), before));
  CHECK(torch::equal(st.exp_avg(), m));
  CHECK(st.step() == t);
  const StepGate apply = [](const StepProposal&) { return StepVerdict::apply; };
  CHECK(trainer.update(1e-2, 1, micro, false, &apply, 8).applied);
  CHECK_FALSE(torch::equal(w.detach(), before));
}

TEST_CASE("skip_step skips the planted spike and only it (OLMo-core's rule by hand)",
          "[engine][fit][intervention]") {
  results::Group g;
  auto skip = make("skip_step", g);  // σ 6, W 128: active from 64 values with this one
  // Spikes at update 40 (before the rule is active: not skipped) and 150 (skipped); a grad-norm
  // spike alone at 200 (skipped).
  const auto values = [](int64_t s) -> std::pair<double, double> {
    auto v = noisy(s);
    if (s == 40 || s == 150) v.first = 4.0;
    if (s == 200) v.second = 3.0;
    return v;
  };
  std::vector<int64_t> skipped;
  struct Skips final : Callback {
    std::vector<int64_t>& out;
    explicit Skips(std::vector<int64_t>& o) : out(o) {}
    std::string name() const override { return "skips"; }
    void on_update(Update& u) override {
      if (u.stats.verdict == StepVerdict::skip) out.push_back(u.step);
    }
  } skips(skipped);
  CHECK(fit(0, 260, planted(values), {skip.get(), &skips}) == "ok");
  CHECK(skipped == std::vector<int64_t>{150, 200});
  const auto* rows = g.find_dataset("skip_step/step");
  REQUIRE(rows);
  CHECK(rows->values == std::vector<double>{150, 200});
  CHECK(g.attr_number("skip_step_updates") == 2);
}

TEST_CASE("skip_step's threshold is mean + σ·std of the previous values, std unbiased",
          "[engine][fit][intervention]") {
  // W = 6: judged once the history with the update holds max(2, 6/2) = 3 values. History
  // 1, 3, 2.5: mean 2.1666667, unbiased variance (1.3611 + 0.6944 + 0.1111) / 2 = 1.0833333,
  // std 1.0408330; with σ = 1 the threshold is 3.2075 (by hand).
  const auto judge = [](double loss) {
    results::Group h;
    auto s = make("skip_step", h, {{"skip_step_window", 6}, {"skip_step_sigma", 1.0}});
    CHECK(s->propose({0, 1.0, 1.0}) == StepVerdict::apply);  // not judged: 1 value
    CHECK(s->propose({1, 3.0, 1.0}) == StepVerdict::apply);  // not judged: 2 values
    CHECK(s->propose({2, 2.5, 1.0}) == StepVerdict::apply);  // 2.5 − 2 = 0.5 ≤ √2
    return s->propose({3, loss, 1.0});
  };
  CHECK(judge(3.2065) == StepVerdict::apply);
  CHECK(judge(3.2085) == StepVerdict::skip);
  CHECK(judge(NAN) == StepVerdict::apply);  // non-finite: not judged (the monitor's)
}

TEST_CASE("skip_step's checkpointed state continues exactly", "[engine][fit][intervention]") {
  results::Group g1, g2, g3;
  auto whole = make("skip_step", g1), first = make("skip_step", g2), second = make("skip_step", g3);
  const auto values = [](int64_t s) -> std::pair<double, double> {
    auto v = noisy(s);
    if (s == 120 || s == 170) v.first = 5.0;
    return v;
  };
  fit(0, 200, planted(values), {whole.get()});
  fit(0, 100, planted(values), {first.get()});
  torch::serialize::OutputArchive out;
  first->save(out);
  const auto file = std::filesystem::temp_directory_path() /
                    ("spikebench-fit-" + std::to_string(::getpid()) + ".pt");
  out.save_to(file.string());
  torch::serialize::InputArchive in;
  in.load_from(file.string());
  second->load(in);
  std::filesystem::remove(file);
  fit(100, 200, planted(values), {second.get()});
  CHECK(g1.find_dataset("skip_step/step")->values == g3.find_dataset("skip_step/step")->values);
  CHECK(g1.find_dataset("skip_step/step")->values == std::vector<double>{120, 170});
}

TEST_CASE("skip_nonfinite discards non-finite updates, which the monitor counts as skipped",
          "[engine][fit][intervention]") {
  results::Group g;
  StabilityOptions so;
  so.max_skipped = 3;
  StabilityMonitor monitor(so);
  MonitorCallback monitoring(monitor, g);
  auto discard = make("skip_nonfinite", g);
  SECTION("isolated NaNs are discarded and training goes on") {
    const auto values = [](int64_t s) -> std::pair<double, double> {
      auto v = noisy(s);
      if (s == 10 || s == 20) v.second = NAN;
      return v;
    };
    CHECK(fit(0, 30, planted(values), {&monitoring, discard.get()}) == "ok");
    CHECK(g.find_dataset("skip_nonfinite/step")->values == std::vector<double>{10, 20});
    CHECK(g.find_dataset("train/skipped")->values[10] == 1.0);
    CHECK(monitor.updates() == 28);
  }
  SECTION("max_skipped in a row ends the run") {
    const auto values = [](int64_t s) -> std::pair<double, double> {
      return s >= 5 ? std::pair<double, double>{NAN, NAN} : noisy(s);
    };
    CHECK(fit(0, 30, planted(values), {&monitoring, discard.get()}) == "diverged@7");
    CHECK(g.attr_string("diverged_reason").find("3 consecutive discarded") != std::string::npos);
  }
  SECTION("without it, the first non-finite update diverges (the monitor's rule)") {
    const auto values = [](int64_t s) -> std::pair<double, double> {
      return s == 5 ? std::pair<double, double>{3.0, NAN} : noisy(s);
    };
    CHECK(fit(0, 30, planted(values), {&monitoring}) == "diverged@5");
  }
}
