// Engine pieces with closed-form oracles: the spike detector and stability monitor, the
// learning-rate schedules and the fp16 dynamic loss scaler.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "core/error.h"
#include "suite/engine/loss_scaler.h"
#include "suite/engine/schedule.h"
#include "suite/engine/spike_detector.h"
#include "suite/engine/stability_monitor.h"
#include "suite/engine/trainer.h"

using namespace spikebench::engine;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("spike detector finds exactly an injected spike", "[engine]") {
  const auto seed = GENERATE(1u, 2u, 3u);
  CAPTURE(seed);
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(3.0, 0.05);
  SpikeDetector detector(/*window=*/128, /*k=*/6.0);
  std::vector<int> spikes;
  for (int step = 0; step < 600; ++step) {
    double x = noise(rng);
    if (step == 400) x += 1.0;  // 20σ above the window mean
    if (detector.is_spike(detector.push(x))) spikes.push_back(step);
  }
  CHECK(spikes == std::vector<int>{400});
}

TEST_CASE("spike detector sees a planted spike early in training (expanding window)", "[engine]") {
  const auto seed = GENERATE(1u, 2u, 3u);
  CAPTURE(seed);
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(3.0, 0.05);
  SpikeDetector detector(/*window=*/128, /*k=*/6.0, /*min_window=*/16);
  std::vector<int> spikes;
  for (int step = 0; step < 200; ++step) {
    double x = noise(rng);
    if (step == 20) x += 1.0;  // inside the first W = 128 updates
    if (detector.is_spike(detector.push(x))) spikes.push_back(step);
  }
  CHECK(spikes == std::vector<int>{20});
}

TEST_CASE("spike detector: silent before min_window values, flat series has no spike", "[engine]") {
  SpikeDetector detector(/*window=*/8, /*k=*/6.0, /*min_window=*/4);
  for (int i = 0; i < 4; ++i) CHECK(std::isnan(detector.push(100.0 * i)));
  CHECK_FALSE(std::isnan(detector.push(1.0)));
  SpikeDetector flat(8, 6.0, 4);
  for (int i = 0; i < 50; ++i) CHECK_FALSE(flat.is_spike(flat.push(2.5)));  // σ = 0: no spike
  CHECK(flat.push(1000.0) == 0.0);  // still σ = 0 over the previous values: not a spike
  CHECK_THROWS_AS(SpikeDetector(8, 6.0, 9), spikebench::Error);
}

TEST_CASE("stability monitor: the divergence rules and checkpointed state", "[engine]") {
  StabilityOptions o;
  o.spike_window = 16, o.spike_min_window = 4, o.diverge_patience = 3, o.max_skipped = 5;
  SECTION("a non-finite loss diverges at once") {
    StabilityMonitor m(o);
    CHECK(m.observe({0, 3.0, 1.0}).diverged.empty());
    CHECK_FALSE(m.observe({1, NAN, 1.0}).diverged.empty());
  }
  SECTION("a loss above 2x its minimum for `patience` updates diverges") {
    StabilityMonitor m(o);
    m.observe({0, 2.0, 1.0});
    CHECK(m.observe({1, 4.5, 1.0}).diverged.empty());
    CHECK(m.observe({2, 4.5, 1.0}).diverged.empty());
    CHECK_FALSE(m.observe({3, 4.5, 1.0}).diverged.empty());
  }
  SECTION("fp16: consecutive skipped updates, or an overflow at the minimum scale") {
    StabilityMonitor m(o);
    for (int i = 0; i < 4; ++i)
      CHECK(m.observe({i, 3.0, INFINITY, /*skipped=*/true}).diverged.empty());
    CHECK(m.observe({4, 3.0, INFINITY, true}).diverged.find("5 consecutive") != std::string::npos);
    StabilityMonitor n(o);
    CHECK_FALSE(n.observe({0, 3.0, INFINITY, true, /*scale_at_min=*/true}).diverged.empty());
    CHECK(n.updates() == 0);  // skipped updates are not training signals
  }
  SECTION("state() / restore() continue exactly") {
    StabilityMonitor a(o), b(o);
    std::mt19937 rng(5);
    std::normal_distribution<double> noise(3.0, 0.1);
    for (int i = 0; i < 30; ++i) a.observe({i, noise(rng), noise(rng)});
    b.restore(a.state());
    for (int i = 30; i < 60; ++i) {
      const double l = i == 45 ? 30.0 : noise(rng), g = noise(rng);
      const auto x = a.observe({i, l, g}), y = b.observe({i, l, g});
      CHECK(x.loss_z == y.loss_z);
      CHECK(x.loss_spike == y.loss_spike);
    }
    CHECK(a.loss_spikes() == b.loss_spikes());
    CHECK(a.loss_spikes() >= 1);
    // Per 1,000 judged updates: the first spike_min_window (4) of the 60 had no z.
    CHECK(a.loss_spike_score() == Approx(1000.0 * a.loss_spikes() / 56));
  }
  SECTION("a non-finite loss is divergence, not a spike; unjudged updates are not counted") {
    // Before: the NaN/inf loss counted as a loss spike (z = inf), and the score divided by
    // every update, the 4 before the window filled included (1 / 21 instead of 1 / 17).
    StabilityMonitor m(o);
    for (int i = 0; i < 20; ++i) m.observe({i, 3.0 + 0.01 * (i % 3), 1.0 + 0.01 * (i % 2)});
    const auto x = m.observe({20, INFINITY, 1.0});
    CHECK_FALSE(x.diverged.empty());
    CHECK_FALSE(x.loss_spike);
    CHECK(m.loss_spikes() == 0);
    StabilityMonitor n(o);
    for (int i = 0; i < 20; ++i) n.observe({i, 3.0 + 0.01 * (i % 3), 1.0 + 0.01 * (i % 2)});
    CHECK(n.observe({20, 30.0, 1.0}).loss_spike);
    CHECK(n.loss_spike_score() == Approx(1000.0 / 17));  // 21 updates, 4 before the first z
  }
}

TEST_CASE("cosine schedule has linear warmup then cosine decay to min_lr (Table 3)", "[engine]") {
  Schedule s{ScheduleKind::cosine, 1e-3, 1000, 50, 1e-4};
  CHECK_THAT(s.at(0), WithinRel(1e-3 / 50, 1e-12));
  CHECK_THAT(s.at(49), WithinRel(1e-3, 1e-12));
  CHECK_THAT(s.at(50), WithinRel(1e-3, 1e-12));
  CHECK_THAT(s.at(525), WithinRel(1e-4 + 0.5 * 9e-4 * (1 + std::cos(M_PI * 475.0 / 950)), 1e-12));
  CHECK_THAT(s.at(1000), WithinRel(1e-4, 1e-12));
}

TEST_CASE("inverse square root schedule (Table 4)", "[engine]") {
  Schedule s{ScheduleKind::inverse_sqrt, 1e-3, 100000, 4000, 0};
  CHECK_THAT(s.at(1999), WithinRel(0.5e-3, 1e-12));
  CHECK_THAT(s.at(3999), WithinRel(1e-3, 1e-12));
  CHECK_THAT(s.at(15999), WithinRel(1e-3 * std::sqrt(4000.0 / 16000.0), 1e-12));
}

TEST_CASE("dynamic loss scaler follows Megatron's hysteresis backoff and growth", "[engine]") {
  LossScalerOptions o;
  o.initial_scale = 1024, o.growth_interval = 3, o.hysteresis = 2, o.min_scale = 256;
  DynamicLossScaler s(o);
  CHECK(s.update(true));  // overflow 1: skipped, hysteresis budget 2 -> 1, scale kept
  CHECK(s.scale() == 1024);
  CHECK(s.update(true));  // overflow 2: budget exhausted -> backoff
  CHECK(s.scale() == 512);
  CHECK(s.update(true));  // still exhausted: backs off on every overflow until growth refills
  CHECK(s.scale() == 256);
  CHECK(s.update(true));  // not below min_scale
  CHECK(s.scale() == 256);
  CHECK(s.skipped() == 4);
  for (int i = 0; i < 2; ++i) CHECK_FALSE(s.update(false));
  CHECK(s.scale() == 256);
  CHECK_FALSE(s.update(false));  // 3 clean steps: grow, refill the hysteresis budget
  CHECK(s.scale() == 512);
  CHECK(s.update(true));  // first overflow after refill: kept
  CHECK(s.scale() == 512);
  const auto st = s.state();
  DynamicLossScaler t(o);
  t.restore(st);
  CHECK(t.update(true) == s.update(true));
  CHECK(t.scale() == s.scale());
  CHECK(t.skipped() == s.skipped());
}

TEST_CASE("loss scaler rejects options that cannot work", "[engine]") {
  LossScalerOptions o;
  o.backoff_factor = 1.5;
  CHECK_THROWS_AS(DynamicLossScaler(o), spikebench::Error);
}

TEST_CASE("fused AdamW step equals LibTorch's AdamW step", "[engine]") {
  torch::manual_seed(7);
  std::vector<torch::Tensor> a = {torch::randn({17, 5}), torch::randn({5})};
  std::vector<torch::Tensor> b, init;
  for (auto& t : a) {
    t.requires_grad_(true);
    b.push_back(t.detach().clone().requires_grad_(true));
    init.push_back(t.detach().clone());
  }
  TrainerOptions o;
  o.lr = 1e-2, o.weight_decay = 0.1;  // decay on the matrix only (the >= 2-dim rule)
  auto loop = make_adamw(a, o), fused = make_adamw(b, o);
  for (int step = 0; step < 5; ++step) {
    const auto g = std::vector<torch::Tensor>{torch::randn({17, 5}), torch::randn({5})};
    for (size_t i = 0; i < a.size(); ++i)
      a[i].mutable_grad() = g[i].clone(), b[i].mutable_grad() = g[i].clone();
    loop->step();
    fused_adamw_step(*fused);
  }
  for (size_t i = 0; i < a.size(); ++i) {
    CAPTURE(i);
    CHECK(torch::allclose(a[i], b[i], /*rtol=*/1e-5, /*atol=*/1e-7));
    CHECK_FALSE(torch::allclose(b[i], init[i]));  // it did update
  }
  // The state stays LibTorch's: the loop can continue from the fused optimizer's state.
  const auto& st =
      static_cast<torch::optim::AdamWParamState&>(*fused->state().at(b[0].unsafeGetTensorImpl()));
  CHECK(st.step() == 5);
}

TEST_CASE("a planted fp16-style overflow on every update ends the run as diverged", "[engine]") {
  // The loss scaler's path without a GPU: fp32 compute with dynamic loss scaling forced on and
  // an initial scale so large that every scaled gradient overflows. Every update is skipped;
  // the monitor ends the run after max_skipped of them (the paper's N/A in fp16).
  torch::manual_seed(1);
  auto w = torch::randn({4, 4}, torch::requires_grad());
  TrainerOptions o;
  o.loss_scaling = true;
  o.loss_scaler.initial_scale = 1e38;
  o.loss_scaler.min_scale = 1e37;  // never backs off to a scale that fits
  Trainer trainer({w}, {}, o, torch::kCPU, nullptr);
  StabilityOptions so;
  so.max_skipped = 10;
  StabilityMonitor monitor(so);
  const auto before = w.detach().clone();
  int64_t diverged_at = -1;
  for (int64_t step = 0; step < 50 && diverged_at < 0; ++step) {
    const auto st = trainer.update(1e-3, 1, [&](int64_t) {
      auto loss = (w * w).sum() * 1e3;  // × 1e38 overflows float32
      return MicroLoss{loss, loss.item<double>()};
    });
    CHECK(st.overflow);
    CHECK_FALSE(st.applied);
    const auto obs = monitor.observe({step, st.loss, st.grad_norm, st.overflow, st.scale_at_min});
    if (!obs.diverged.empty()) diverged_at = step;
  }
  // Megatron's rules: overflow 1 keeps 1e38 (hysteresis), then halving: 5e37, 2.5e37, 1.25e37,
  // 1e37 (the minimum) after update 4, so update 5 overflows at the minimum scale: diverged.
  CHECK(diverged_at == 5);
  CHECK(torch::equal(w.detach(), before));  // no update was applied
}
