// Skip-step (OLMo-core's SkipStepOptimizer, olmo_core/optim/skip_step_optimizer.py; the
// optimizer OLMo 2 trains with, Team OLMo 2025): an update is skipped — no weight change, AdamW's
// moments and step count as they were — when its loss or its pre-clip gradient norm lies more
// than `skip_step_sigma` standard deviations above the mean of the previous values:
//     skip  ⇔  loss − mean(L) > σ·std(L)  or  ‖g‖ − mean(G) > σ·std(G),
// L and G the last `skip_step_window` values before this update (OLMo-core's
// rolling_interval_length, 128; sigma_factor 6), std unbiased (torch.std_mean); the rule
// applies once the history including this update holds max(2, W/2) values (64 at W = 128;
// W ≥ 6, so that at least two previous values define a standard deviation).
// Skipped updates stay in the history (OLMo-core appends the latest value before judging it).
// A choice (docs/fidelity.md): a non-finite loss or norm is neither judged nor added — in
// OLMo-core it enters the history and makes every comparison false (every update skipped for W
// updates); here it is the stability monitor's (divergence) or skip_nonfinite's.
#include <cmath>
#include <deque>

#include "suite/engine/intervention.h"

namespace spikebench::engine {
namespace {

/// Mean and unbiased standard deviation of `v` (two passes).
std::pair<double, double> mean_std(const std::deque<double>& v) {
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return {mean, std::sqrt(ss / static_cast<double>(v.size() - 1))};
}

class SkipStep final : public RecordingIntervention {
 public:
  SkipStep(const models::SettingValues& s, results::Group& g)
      : RecordingIntervention(g),
        sigma_(models::setting_value(s, "skip_step_sigma")),
        window_(static_cast<size_t>(models::setting_value(s, "skip_step_window"))) {}
  std::string name() const override { return "skip_step"; }

  StepVerdict propose(const StepProposal& p) override {
    if (!std::isfinite(p.loss) || !std::isfinite(p.grad_norm)) return StepVerdict::apply;
    const bool active = losses_.size() + 1 >= std::max<size_t>(2, window_ / 2);
    bool skip = false;
    if (active) {
      const auto [lm, ls] = mean_std(losses_);
      const auto [gm, gs] = mean_std(grads_);
      skip = p.loss - lm > sigma_ * ls || p.grad_norm - gm > sigma_ * gs;
    }
    push(losses_, p.loss), push(grads_, p.grad_norm);
    if (skip) acted(p.step);
    return skip ? StepVerdict::skip : StepVerdict::apply;
  }

  bool has_state() const override { return true; }
  void save(torch::serialize::OutputArchive& a) const override {
    write_values(a, "losses", {losses_.begin(), losses_.end()});
    write_values(a, "grad_norms", {grads_.begin(), grads_.end()});
  }
  void load(torch::serialize::InputArchive& a) override {
    const auto l = read_values(a, "losses"), g = read_values(a, "grad_norms");
    losses_.assign(l.begin(), l.end()), grads_.assign(g.begin(), g.end());
  }

 private:
  void push(std::deque<double>& h, double v) const {
    h.push_back(v);
    if (h.size() > window_) h.pop_front();
  }
  double sigma_;
  size_t window_;
  std::deque<double> losses_, grads_;  // the last W finite values, oldest first
};

SPIKEBENCH_REGISTER(
    InterventionKind, "skip_step",
    (InterventionKind{
        "OLMo-core skip-step: skip an update whose loss or grad norm is > sigma std above the "
        "mean of the last W (active from W/2)",
        {{"skip_step_sigma", "6.0", 0, 1e9, "skip_step: skip above mean + sigma·std (OLMo-core 6)",
          /*omit_at_default=*/true},
         {"skip_step_window", "128", 6, 1e6,
          "skip_step: history of losses and grad norms (OLMo-core 128)", /*omit_at_default=*/true}},
        [](const models::SettingValues& s, results::Group& g) {
          return std::make_unique<SkipStep>(s, g);
        }}));

}  // namespace
}  // namespace spikebench::engine
