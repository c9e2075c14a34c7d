// engine::fit and the interventions: the callback order fit documents (suite/engine/fit.h), a
// veto inside the Trainer, and each intervention's rule against a hand computation —
// skip-step skips exactly the planted spike, skip_nonfinite discards non-finite updates — with
// their checkpointed state continuing exactly.
#include <torch/torch.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "models/decoder.h"
#include "suite/engine/callbacks.h"
#include "suite/engine/fit.h"
#include "suite/engine/intervention.h"
#include "suite/engine/lm_step.h"
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
/// hooks as the Trainer does; returns what propose decided in Update::stats.
StepFn planted(const std::function<std::pair<double, double>(int64_t)>& values) {
  return [values](int64_t step, const StepHooks& hooks) {
    Update u;
    const auto [loss, grad_norm] = values(step);
    u.stats.loss = loss, u.stats.grad_norm = grad_norm;
    u.stats.verdict = hooks.propose({step, loss, grad_norm});
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

TEST_CASE("a skip verdict leaves the weights and AdamW's state as they were", "[engine][fit]") {
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
  const StepHooks skip{[&](const StepProposal& p) {
                         seen = p;
                         return StepVerdict::skip;
                       },
                       nullptr};
  const auto s = trainer.update(1e-2, 1, micro, false, &skip, /*step=*/7);
  CHECK_FALSE(s.applied);
  CHECK(s.verdict == StepVerdict::skip);
  CHECK(seen.step == 7);
  CHECK(seen.loss == s.loss);
  CHECK(seen.grad_norm == s.grad_norm);  // the pre-clip norm
  CHECK(torch::equal(w.detach(), before));
  CHECK(torch::equal(st.exp_avg(), m));
  CHECK(st.step() == t);
  const StepHooks apply{[](const StepProposal&) { return StepVerdict::apply; }, nullptr};
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

TEST_CASE("zclip clips to μ + z_thr²·σ/z over its EMA, after warm-up (hand computation)",
          "[engine][fit][intervention]") {
  results::Group g;
  auto zclip = make("zclip", g, {{"zclip_warmup", 4}});
  auto w = torch::zeros({2});
  std::vector<torch::Tensor> params{w};
  // A gradient of norm `n` on w; returns the norm after before_step.
  const auto step = [&](int64_t s, double n, double clip_coef) {
    w.mutable_grad() = torch::tensor({n * 0.6, n * 0.8}, torch::kDouble).to(torch::kFloat);
    OptimizerStep os{s, 1e-3, n, clip_coef, &params, nullptr, {}};
    zclip->before_step(os);
    return w.grad().norm().item<double>();
  };
  // Warm-up: 1, 1.2, 0.8, 1.0 collected untouched: μ = 1, σ² = 0.02 (population), σ = 0.1414214.
  for (int64_t s = 0; s < 4; ++s)
    CHECK_THAT(step(s, std::vector<double>{1, 1.2, 0.8, 1.0}[s], 1.0),
               Catch::Matchers::WithinRel(std::vector<double>{1, 1.2, 0.8, 1.0}[s], 1e-6));
  SECTION("an outlier: z = 1 / 0.1414224 = 7.07102 > 2.5, clipped to 1 + 6.25·σ/z = 1.125") {
    CHECK_THAT(step(4, 2.0, 1.0), Catch::Matchers::WithinRel(1.125 * 2.0 / (2.0 + 1e-6), 1e-6));
    // The EMA takes the clip value: μ = 0.97 + 0.03·1.125 = 1.00375.
    CHECK_THAT(step(5, 1.00375, 1.0), Catch::Matchers::WithinRel(1.00375, 1e-6));  // z = 0
    REQUIRE(g.find_dataset("zclip/threshold") == nullptr);  // logged by on_update only
  }
  SECTION("global clipping already below the threshold: nothing more") {
    // clip 1.0 at ‖g‖ = 2: the Trainer scaled by 0.5 (norm 1 < 1.125), ZClip leaves it.
    w.mutable_grad() = torch::tensor({0.6f, 0.8f});
    OptimizerStep os{4, 1e-3, 2.0, 0.5, &params, nullptr, {}};
    zclip->before_step(os);
    CHECK_THAT(w.grad().norm().item<double>(), Catch::Matchers::WithinRel(1.0, 1e-6));
  }
  SECTION("inside the threshold: untouched") {
    CHECK_THAT(step(4, 1.3, 1.0), Catch::Matchers::WithinRel(1.3, 1e-6));  // z = 2.12
  }
}

namespace {

/// A one-tensor Trainer on loss = k·Σ c⊙w (gradient k·c), with `cb`'s before_step as its hook.
struct OneTensor {
  torch::Tensor w = torch::tensor({1.0f, -2.0f}, torch::requires_grad());
  torch::Tensor c = torch::tensor({0.3f, 0.4f});
  TrainerOptions o;
  std::unique_ptr<Trainer> trainer;
  explicit OneTensor(double clip = 0) {
    o.clip = clip;
    o.weight_decay = 0;
    trainer = std::make_unique<Trainer>(std::vector<torch::Tensor>{w},
                                        std::vector<std::vector<torch::Tensor>>{}, o, torch::kCPU,
                                        nullptr);
  }
  StepStats update(double k, Callback* cb, int64_t step, std::vector<double>* lr_scale = nullptr) {
    const StepHooks hooks{nullptr, [&](OptimizerStep& os) {
                            if (cb) cb->before_step(os);
                            if (lr_scale) *lr_scale = os.lr_scale;
                          }};
    return trainer->update(
        1e-2, 1,
        [&](int64_t) {
          auto loss = (w * c).sum() * k;
          return MicroLoss{loss, loss.item<double>()};
        },
        false, &hooks, step);
  }
};

}  // namespace

TEST_CASE("update_clip: the lr of a tensor falls by max(1, RMS(g²/v̂)) (StableAdamW, by hand)",
          "[engine][fit][intervention]") {
  results::Group g;
  auto clip = make("update_clip", g);
  OneTensor a, b;
  std::vector<double> scale;
  a.update(1.0, clip.get(), 0, &scale);  // t = 1: v̂ = g², RMS = 1, no clipping
  CHECK(scale == std::vector<double>{1.0});
  b.update(1.0, nullptr, 0);
  // t = 2 with g₂ = 10 g₁ (β2 0.999): g₂²/v̂₂ = 100·(1 + β2)/(β2 + 100) = 1.979228, RMS 1.406850,
  // lr × 1/1.406850 = 0.710808.
  a.update(10.0, clip.get(), 1, &scale);
  REQUIRE(scale.size() == 1);
  CHECK_THAT(scale[0], Catch::Matchers::WithinRel(0.710808, 1e-5));
  // The same update as AdamW at lr × 0.710808 (in the fused kernel of its own).
  OneTensor* bp = &b;
  const StepHooks none{nullptr, nullptr};
  bp->trainer->update(
      1e-2 * scale[0], 1,
      [&](int64_t) {
        auto loss = (bp->w * bp->c).sum() * 10.0;
        return MicroLoss{loss, loss.item<double>()};
      },
      false, &none, 1);
  CHECK(torch::allclose(a.w, b.w, 0, 1e-7));
}

TEST_CASE("adagc: per-tensor clipping at λ·γ after the global warm-up (hand computation)",
          "[engine][fit][intervention]") {
  results::Group g;
  auto adagc = make("adagc", g, {{"adagc_warmup", 2}});  // λ 1.04, β 0.99
  auto u = torch::zeros({1}), v = torch::zeros({1});
  std::vector<torch::Tensor> params{u, v};
  const auto step = [&](int64_t s, double gu, double gv, double clip_coef = 1.0) {
    u.mutable_grad() = torch::tensor({static_cast<float>(gu)});
    v.mutable_grad() = torch::tensor({static_cast<float>(gv)});
    OptimizerStep os{s, 1e-3, 0, clip_coef, &params, nullptr, {}};
    adagc->before_step(os);
    return std::pair{u.grad().item<double>(), v.grad().item<double>()};
  };
  step(0, 2.0, 5.0);                // warm-up: γ = running minimum of each tensor's norm
  step(1, 1.0, 6.0);                // γ_u = 1, γ_v = 5
  auto [a, b] = step(2, 3.0, 5.1);  // u: 3 > 1.04 → 1.04·3/(3 + 1e-6); v: 5.1 ≤ 5.2 untouched
  CHECK_THAT(a, Catch::Matchers::WithinRel(1.04 * 3 / (3 + 1e-6), 1e-6));
  CHECK(b == Approx(5.1));
  // γ_u = 0.99·1 + 0.01·1.04 = 1.0004 (the clipped norm): 1.0404 is inside, 1.0406 is clipped.
  CHECK(step(3, 1.0404, 5.0).first == Approx(1.0404));
  // γ_u = 0.99·1.0004 + 0.01·1.0404 = 1.000440; an already globally clipped gradient (factor
  // 0.5) is restored first: 0.52 → 1.04 ≤ 1.04·1.00044.
  CHECK(step(4, 0.52, 2.5, 0.5).first == Approx(1.04));
}

TEST_CASE("spam: moment reset every ΔT, the cosine warm-up after it, spike-aware clipping",
          "[engine][fit][intervention]") {
  results::Group g;
  auto spam = make("spam", g, {{"spam_interval", 40}, {"spam_warmup", 10}});
  OneTensor a;
  std::vector<double> scale;
  for (int64_t s = 0; s < 24; ++s) a.update(1.0, spam.get(), s, &scale);
  CHECK(scale.empty());  // no reset yet: no warm-up
  auto& st = static_cast<torch::optim::AdamWParamState&>(
      *a.trainer->optimizer().state().at(a.w.unsafeGetTensorImpl()));
  // t = 25: a 1e4× gradient, clipped elementwise to sign(g)·sqrt(θ·v) with the previous v.
  const auto v = st.exp_avg_sq().clone();
  a.update(1e4, spam.get(), 24, &scale);
  const auto expected_g = (5000.0 * v).sqrt();  // both elements of c are positive
  CHECK(torch::allclose(st.exp_avg_sq(), 0.999 * v + 0.001 * expected_g.square(), 1e-5));
  for (int64_t s = 25; s < 39; ++s) a.update(1.0, spam.get(), s, &scale);
  // t = 40: reset before the update, so the moments are one update's: m = 0.1 g, v = 0.001 g².
  a.update(1.0, spam.get(), 39, &scale);
  CHECK(torch::allclose(st.exp_avg(), 0.1 * a.c, 1e-6));
  CHECK(torch::allclose(st.exp_avg_sq(), 0.001 * a.c.square(), 1e-6));
  CHECK(st.step() == 40);  // the bias-correction count goes on (the authors' code)
  CHECK_THAT(scale.at(0), Catch::Matchers::WithinAbs(0.01, 1e-12));  // k = 0: 1 − 0.99
  // t = 41, k = 1: 1 − 0.99·(1 + cos(π/11))/2 = 0.030051.
  a.update(1.0, spam.get(), 40, &scale);
  CHECK_THAT(scale.at(0), Catch::Matchers::WithinAbs(0.030051, 1e-6));
}

TEST_CASE("decay_embeddings: false keeps the embeddings out of weight decay (OLMo 2)",
          "[engine][fit]") {
  auto e = torch::randn({8, 4}), w = torch::randn({4, 4}), b = torch::randn({4});
  TrainerOptions o;
  auto decays = [&](const torch::optim::AdamW& opt, const torch::Tensor& t) {
    for (const auto& g : opt.param_groups())
      for (const auto& p : g.params())
        if (p.is_same(t))
          return static_cast<const torch::optim::AdamWOptions&>(g.options()).weight_decay() > 0;
    FAIL("not in the optimizer");
    return false;
  };
  auto all = make_adamw({e, w, b}, o);
  CHECK(decays(*all, e));
  CHECK(decays(*all, w));
  CHECK_FALSE(decays(*all, b));  // 1-D: never
  o.no_decay = {e};
  auto olmo = make_adamw({e, w, b}, o);
  CHECK_FALSE(decays(*olmo, e));
  CHECK(decays(*olmo, w));
}

TEST_CASE("the z-loss term is logged beside the loss: the update's auxiliary loss, by hand",
          "[engine][fit]") {
  auto c = models::flavor("tiny").config;
  c.dropout = 0.0;
  const auto tokens = torch::randint(0, c.vocab, {4, 9});
  SECTION("z_loss: 1e-4 · mean(log² Z) of the logits before the update") {
    c.stabilizers = {"z_loss"};
    torch::manual_seed(2);
    models::DecoderLM model(c);
    double want = 0;
    {
      torch::NoGradGuard no_grad;
      const auto logz = torch::logsumexp(model->forward(tokens.slice(1, 0, 8)), -1);
      want = 1e-4 * logz.square().mean().item<double>();
    }
    TrainerOptions o;
    o.micro_batch = 2;  // two micro-batches: their halves add up
    Trainer trainer = make_lm_trainer(model, o, torch::kCPU, nullptr);
    const auto st = lm_step(trainer, model, tokens, 1e-3);
    CHECK_THAT(st.aux_loss, Catch::Matchers::WithinRel(want, 1e-5));
  }
  SECTION("no auxiliary loss: none reported") {
    torch::manual_seed(2);
    models::DecoderLM model(c);
    Trainer trainer = make_lm_trainer(model, TrainerOptions{}, torch::kCPU, nullptr);
    CHECK(std::isnan(lm_step(trainer, model, tokens, 1e-3).aux_loss));
  }
}

TEST_CASE("adam_atan2: p − lr·1.27·atan2(m̂, √v̂), no ε (Everett et al. 2024, by hand)",
          "[engine][fit]") {
  auto w = torch::tensor({1.0f, -2.0f}, torch::requires_grad());
  const auto c = torch::tensor({0.3f, -0.4f});
  TrainerOptions o;
  o.atan2 = true, o.clip = 0, o.weight_decay = 0;
  Trainer trainer({w}, {}, o, torch::kCPU, nullptr);
  auto micro = [&](int64_t) {
    auto loss = (w * c).sum();
    return MicroLoss{loss, loss.item<double>()};
  };
  // Update 1: m̂ = g, v̂ = g², atan2(g, |g|) = ±π/4 whatever |g| (Adam's sign-like first step).
  trainer.update(1e-2, 1, micro);
  const double step = 1e-2 * 1.27 * M_PI / 4;
  CHECK_THAT(w[0].item<double>(), Catch::Matchers::WithinAbs(1.0 - step, 1e-6));
  CHECK_THAT(w[1].item<double>(), Catch::Matchers::WithinAbs(-2.0 + step, 1e-6));
  // Update 2 with the same gradient: m̂ = g, v̂ = g² again (bias-corrected constant moments).
  trainer.update(1e-2, 1, micro);
  CHECK_THAT(w[0].item<double>(), Catch::Matchers::WithinAbs(1.0 - 2 * step, 1e-6));
  auto& st = static_cast<torch::optim::AdamWParamState&>(
      *trainer.optimizer().state().at(w.unsafeGetTensorImpl()));
  CHECK(st.step() == 2);  // AdamW's state: a checkpoint resumes either optimizer
}
