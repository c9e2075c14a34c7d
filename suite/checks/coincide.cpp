// Check kind `coincide`: "`a`'s spikes occur where `b`'s do" — §5.3's "RMSNorm faced loss and
// gradient spikes in a similar location to the ones of Vanilla" (C7). For each pair of runs (a and
// b sharing seed, data order and init, as `compare` pairs them), the statistic is
//   d = matched − chance,
// matched = the fraction of a's spikes (spikes/<signal>/step) within ±`window` updates of one of
// b's spikes, and chance = the fraction of the pair's updates that lie within ±window of one of
// b's spikes: where a spike of `a` would land by chance if its place had nothing to do with b's.
// A pair in which `a` has no spike says nothing and is left out (counted). The claim is d > 0
// (one-sided, `test`: wilcoxon or sign over the pairs), decided like a `compare` claim: pass,
// fail (spikes avoid each other), inconclusive; Holm over the artifact's claims and reverses.
#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.h"
#include "suite/checks/check.h"
#include "suite/checks/paired_sides.h"
#include "suite/checks/runs.h"
#include "suite/config/yaml.h"
#include "stats/stats.h"

namespace spikebench::checks {
namespace {

const char* kKeys = R"KEYS(
a: "selector of the runs whose spikes are placed, e.g. {method: rmsnorm}"
b: "selector of the runs they are compared with, e.g. {method: vanilla}"
spikes: "loss | grad_norm: the detector's spikes/<signal>/step"
window: "updates either side of a b spike that count as the same location (a choice: say why)"
test: "wilcoxon (default) | sign"
alpha: "family-wise significance level (default 0.05)"
family: "the Holm family the claim joins: true (default: the artifact's claims), false (none), or a name"
)KEYS";

std::vector<double> values(const results::Group& run, const std::string& path) {
  const auto* d = run.find_dataset(path);
  return d ? d->values : std::vector<double>{};
}

class Coincide : public Check {
 public:
  Coincide(const config::Reader& spec, const std::string& where) : Check(spec, where) {
    require_keys(spec, kKeys);
    for (const char* side : {"a", "b"})
      if (!spec.is_nonempty_map(side))
        fail(where_, ": key '", side, "' must be a non-empty selector map, e.g. {method: vanilla}");
    a_ = Selector::read(spec, "a"), b_ = Selector::read(spec, "b");
    signal_ = spec.get<std::string>("spikes", where_);
    if (signal_ != "loss" && signal_ != "grad_norm")
      fail(where_, ": key 'spikes': '", signal_, "' (valid: loss, grad_norm)");
    window_ = spec.get<int64_t>("window", where_);
    if (window_ < 0) fail(where_, ": key 'window' must be >= 0 updates");
    if (spec.defined("test")) test_ = spec.get<std::string>("test", where_);
    if (test_ != "wilcoxon" && test_ != "sign")
      fail(where_, ": key 'test': unknown test '", test_, "' (valid: wilcoxon, sign)");
    parse_family(spec, where_, alpha_, in_family_, family_);
  }

  void validate_plan(const std::vector<RunAttrs>& planned) const override {
    std::vector<Unit> a, b;
    for (const auto& attrs : planned) {
      if (a_.matches(attrs)) a.push_back(Unit{"planned", attrs, NAN, false});
      if (b_.matches(attrs)) b.push_back(Unit{"planned", attrs, NAN, false});
    }
    if (make_pairs(a, b, a_, b_, where_).empty())
      fail(where_, ": keys 'a'/'b' select no pairs among the planned runs");
  }

  Result evaluate(Context& ctx) const override {
    Result r;
    const std::string path = "spikes/" + signal_ + "/step";
    r.statistic = "fraction of " + a_.text() + "'s " + signal_ + " spikes within ±" +
                  std::to_string(window_) + " updates of " + b_.text() +
                  "'s, minus the chance fraction, paired";
    r.expected = "> 0 (spikes in similar locations)";
    r.tolerance = "alpha " + num(alpha_) + " (Holm)";
    std::vector<Unit> a, b;
    std::map<std::string, const results::Group*> runs;
    for (const auto& [name, g] : select_runs(ctx.root)) {
      runs[name] = g;
      if (a_.matches(g->attrs)) a.push_back(Unit{name, g->attrs, NAN, diverged(*g)});
      if (b_.matches(g->attrs)) b.push_back(Unit{name, g->attrs, NAN, diverged(*g)});
    }
    const auto pairs = make_pairs(a, b, a_, b_, where_);
    Paired p;
    p.test = test_, p.alpha = alpha_, p.in_family = in_family_, p.family = family_;
    p.direction = "a's spikes nearer b's than chance";
    std::vector<double> d;
    for (const auto& pair : pairs) {
      const auto& ra = *runs.at(pair.lower->name);
      const auto& rb = *runs.at(pair.higher->name);
      p.diverged += pair.lower->diverged + pair.higher->diverged;
      const auto updates = static_cast<int64_t>(
          std::min(values(ra, "train/loss").size(), values(rb, "train/loss").size()));
      std::vector<double> sa, sb;
      for (double s : values(ra, path))
        if (s < static_cast<double>(updates)) sa.push_back(s);
      for (double s : values(rb, path))
        if (s < static_cast<double>(updates)) sb.push_back(s);
      if (sa.empty() || updates == 0) {
        ++p.excluded;  // no spike of a to place
        continue;
      }
      auto near_b = [&](double t) {
        return std::any_of(sb.begin(), sb.end(), [&](double s) {
          return std::abs(t - s) <= static_cast<double>(window_);
        });
      };
      const double matched =
          static_cast<double>(std::count_if(sa.begin(), sa.end(), near_b)) / sa.size();
      int64_t covered = 0;
      for (int64_t t = 0; t < updates; ++t) covered += near_b(static_cast<double>(t));
      d.push_back(matched - static_cast<double>(covered) / static_cast<double>(updates));
    }
    p.n_pairs = static_cast<int64_t>(d.size());
    for (double x : d) p.wins += x > 0, p.losses += x < 0, p.ties += x == 0;
    describe_effect(d, d, p);
    p.min_attainable_p = stats::min_attainable_p(test_, p.n_pairs);
    p.evidence =
        evidence_id("coincide " + test_ + " " + signal_ + " " + std::to_string(window_), 0, d);
    r.paired = p;
    if (pairs.empty()) {
      r.verdict = Verdict::skip;
      r.reason = "no paired runs in the results";
      return r;
    }
    if (d.empty()) {
      r.verdict = Verdict::inconclusive;
      r.reason =
          "no pair in which " + a_.text() + " spiked (" + std::to_string(p.excluded) + " pairs)";
      return r;
    }
    const auto alt = [&](stats::Alternative x) {
      return test_ == "sign" ? stats::sign_test(d, x) : stats::wilcoxon(d, x);
    };
    const auto g = alt(stats::Alternative::greater);
    r.paired->p_value = g.p_value, r.paired->method = g.method;
    r.paired->p_opposite = alt(stats::Alternative::less).p_value;
    r.actual = "mean (matched − chance) " + num(p.effect) + " [" + num(p.effect_lo) + ", " +
               num(p.effect_hi) + "]";
    return r;  // decided over the family (decide())
  }

 private:
  Selector a_, b_;
  std::string signal_, test_ = "wilcoxon";
  int64_t window_ = 0;
  double alpha_ = 0.05;
  bool in_family_ = true;
  std::string family_;
};

SPIKEBENCH_CHECK("coincide",
                 "paired: `a`'s spikes lie within ±window updates of `b`'s more than by chance",
                 Coincide);

}  // namespace
}  // namespace spikebench::checks
