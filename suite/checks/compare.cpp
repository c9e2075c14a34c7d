// Check kind `compare` (alias `ordering`): the claim "`lower` is lower than `higher` on
// `metric`", tested over paired runs — runs that differ only in what the two selectors fix
// (usually the method), so each pair shares seed, lr, size, data order and init. The verdict
// is three-valued: pass when the one-sided test rejects "not lower" at alpha, fail when the
// opposite one-sided test rejects at alpha, inconclusive otherwise; alpha applies to
// Holm-adjusted p-values over the artifact's claims (checks.cpp). Metrics are "lower is
// better or stabler"; a diverged run takes the value `diverged` says (high: it ranks worst).
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "suite/checks/check.h"
#include "suite/checks/lr_sensitivity.h"
#include "suite/checks/runs.h"
#include "suite/config/yaml.h"
#include "suite/stats/stats.h"

namespace spikebench::checks {
namespace {

const char* kKeys = R"KEYS(
lower: "selector of the side claimed lower, e.g. {method: scaled_embed}"
higher: "selector of the side claimed higher, e.g. {method: vanilla}"
metric: "DATASET:REDUCTION, @ATTR, or lr_sensitivity (per method and seed over the lr sweep)"
test: "sign | wilcoxon | bootstrap"
alpha: "family-wise significance level (default 0.05)"
diverged: "value of a diverged run: high (default; ranks worst), low, or exclude"
family: "the Holm family the claim joins: true (default: the artifact's claims), false (none), or a name (the claims sharing it)"
)KEYS";

enum class Rule { high, low, exclude };

class Compare : public Check {
 public:
  Compare(const YAML::Node& spec, const std::string& where, const char* default_test)
      : Check(spec, where) {
    require_keys(spec, kKeys);
    for (const char* side : {"lower", "higher"})
      if (!spec[side] || !spec[side].IsMap() || spec[side].size() == 0)
        fail(where_, ": key '", side, "' must be a non-empty selector map, e.g. {method: vanilla}");
    lower_ = YAML::Clone(spec["lower"]), higher_ = YAML::Clone(spec["higher"]);
    metric_ = config::get<std::string>(spec, "metric", where_);
    if (metric_ == "lr_sensitivity") {
      for (const char* side : {"lower", "higher"})
        if (spec[side]["lr"])
          fail(where_, ": key '", side, ".lr': lr_sensitivity is per method over every lr");
    } else {
      validate_metric(metric_, where_);
    }
    if (spec["test"])
      test_ = config::get<std::string>(spec, "test", where_);
    else if (default_test)
      test_ = default_test;
    else
      fail(where_, ": missing key 'test' (sign, wilcoxon or bootstrap)");
    if (test_ != "sign" && test_ != "wilcoxon" && test_ != "bootstrap")
      fail(where_, ": key 'test': unknown test '", test_, "' (valid: sign, wilcoxon, bootstrap)");
    if (spec["alpha"]) {
      alpha_ = config::get<double>(spec, "alpha", where_);
      if (!(alpha_ > 0 && alpha_ < 1)) fail(where_, ": key 'alpha' must be in (0, 1)");
    }
    const auto rule =
        spec["diverged"] ? config::get<std::string>(spec, "diverged", where_) : "high";
    if (rule == "high")
      rule_ = Rule::high;
    else if (rule == "low")
      rule_ = Rule::low;
    else if (rule == "exclude")
      rule_ = Rule::exclude;
    else
      fail(where_, ": key 'diverged': unknown rule '", rule, "' (valid: high, low, exclude)");
    if (spec["family"]) {
      const auto f = config::get<std::string>(spec, "family", where_);
      family_ = f == "true" ? "" : f;  // "" = the artifact's family
      if (f == "false") in_family_ = false;
    }
  }

  void validate_plan(const std::vector<RunAttrs>& planned) const override {
    std::vector<Unit> lo, hi;
    if (metric_ == "lr_sensitivity") {
      for (const auto& s : planned_lr_sweeps(planned)) add(sweep_unit(s), lo, hi);
    } else {
      for (const auto& a : planned) add(Unit{"planned", a, NAN, false}, lo, hi);
    }
    const auto pairs = make_pairs(lo, hi, lower_, higher_, where_);
    if (pairs.empty())
      fail(where_, ": keys 'lower'/'higher' select no pairs among the planned runs (lower ",
           config::flow(lower_), " matches ", lo.size(), ", higher ", config::flow(higher_),
           " matches ", hi.size(),
           metric_ == "lr_sensitivity" ? "; lr_sensitivity needs >= 2 lrs" : "", ")");
  }

  Result evaluate(Context& ctx) const override {
    Result r;
    r.statistic =
        (metric_ == "lr_sensitivity" ? std::string("LR sensitivity (") + kLrLossMetric + ")"
                                     : metric_) +
        ", paired: " + config::flow(lower_) + " vs " + config::flow(higher_);
    r.expected = config::flow(lower_) + " lower";
    r.tolerance = "alpha " + num(alpha_) + " (Holm)";
    std::vector<Unit> lo, hi;
    if (metric_ == "lr_sensitivity") {
      for (const auto& s : lr_sweeps(ctx.root)) add(sweep_unit(s), lo, hi);
    } else {
      for (const auto& [name, g] : select_runs(ctx.root, YAML::Node()))
        add(Unit{name, g->attrs, metric(*g, metric_), diverged(*g)}, lo, hi);
    }
    const auto pairs = make_pairs(lo, hi, lower_, higher_, where_);
    Paired p;
    p.test = test_, p.alpha = alpha_, p.in_family = in_family_, p.family = family_;
    std::vector<double> d;
    for (const auto& pair : pairs) {
      const bool any_diverged = pair.lower->diverged || pair.higher->diverged;
      p.diverged += pair.lower->diverged + pair.higher->diverged;
      if (any_diverged && rule_ == Rule::exclude) {
        ++p.excluded;
        continue;
      }
      const double a = value(*pair.lower), b = value(*pair.higher);
      if (std::isnan(a) || std::isnan(b)) {  // missing data on a run that did not diverge
        ++p.excluded;
        continue;
      }
      d.push_back(a == b ? 0.0 : b - a);  // two diverged runs (inf, inf) tie
    }
    p.n_pairs = static_cast<int64_t>(d.size());
    for (double x : d) p.wins += x > 0, p.losses += x < 0, p.ties += x == 0;
    std::vector<double> finite;
    for (double x : d)
      if (std::isfinite(x)) finite.push_back(x);
    p.effect_n = static_cast<int64_t>(finite.size());
    if (!finite.empty()) {
      const auto b = stats::bootstrap_mean(finite);
      p.effect = b.mean;
      if (finite.size() >= 2) p.effect_lo = b.lo, p.effect_hi = b.hi;
    }
    r.paired = p;
    if (pairs.empty()) {
      r.verdict = Verdict::skip;
      r.reason = "no paired runs in the results";
      return r;
    }
    if (d.empty() || (test_ == "bootstrap" && finite.empty())) {
      r.verdict = Verdict::inconclusive;
      r.reason = p.diverged == static_cast<int64_t>(2 * pairs.size())
                     ? "all " + std::to_string(2 * pairs.size()) + " runs diverged"
                     : "no usable pairs (" + std::to_string(p.excluded) + " excluded)";
      return r;
    }
    if (test_ == "sign") {
      const auto g = stats::sign_test(d, stats::Alternative::greater);
      r.paired->p_value = g.p_value, r.paired->method = g.method;
      r.paired->p_opposite = stats::sign_test(d, stats::Alternative::less).p_value;
    } else if (test_ == "wilcoxon") {
      const auto g = stats::wilcoxon(d, stats::Alternative::greater);
      r.paired->p_value = g.p_value, r.paired->method = g.method;
      r.paired->p_opposite = stats::wilcoxon(d, stats::Alternative::less).p_value;
    } else {
      const auto b = stats::bootstrap_mean(finite);
      r.paired->p_value = b.p_greater, r.paired->p_opposite = b.p_less;
      r.paired->method = "percentile, " + std::to_string(b.resamples) + " resamples, fixed seed";
      r.paired->excluded += static_cast<int64_t>(d.size() - finite.size());
      r.paired->n_pairs = static_cast<int64_t>(finite.size());
    }
    r.actual = "mean diff (higher − lower) " + num(p.effect) + " [" + num(p.effect_lo) + ", " +
               num(p.effect_hi) + "]";
    return r;  // the verdict is decided over the family (decide())
  }

 private:
  void add(Unit u, std::vector<Unit>& lo, std::vector<Unit>& hi) const {
    if (matches(u.attrs, lower_)) lo.push_back(u);
    if (matches(u.attrs, higher_)) hi.push_back(std::move(u));
  }
  static Unit sweep_unit(const LrSweep& s) {
    RunAttrs a{{"method", s.method}, {"size", s.size}, {"seed", s.seed}};
    return Unit{s.method + "/" + s.size + "/s" + std::to_string(s.seed), a, s.sensitivity, false};
  }
  double value(const Unit& u) const {
    if (!u.diverged) return u.value;
    return rule_ == Rule::high ? INFINITY : -INFINITY;
  }

  YAML::Node lower_, higher_;
  std::string metric_, test_;
  double alpha_ = 0.05;
  Rule rule_ = Rule::high;
  bool in_family_ = true;
  std::string family_;  // named Holm family; "" = the artifact's
};

class Ordering : public Compare {  // the pre-statistics name; `test` defaults to sign
 public:
  Ordering(const YAML::Node& spec, const std::string& where) : Compare(spec, where, "sign") {}
};
class CompareKind : public Compare {
 public:
  CompareKind(const YAML::Node& spec, const std::string& where) : Compare(spec, where, nullptr) {}
};

SPIKEBENCH_CHECK("compare",
                 "paired one-sided test that `lower` < `higher` (sign, wilcoxon, bootstrap)",
                 CompareKind);
SPIKEBENCH_CHECK("ordering", "alias of compare with test: sign (studies written before compare)",
                 Ordering);

}  // namespace

void decide(Result& r) {
  if (!r.paired || r.verdict != Verdict::skip || std::isnan(r.paired->p_value)) return;
  const auto& p = *r.paired;
  const double adj = std::isnan(p.p_adjusted) ? p.p_value : p.p_adjusted;
  const double adj_opp = std::isnan(p.p_opposite_adjusted) ? p.p_opposite : p.p_opposite_adjusted;
  r.verdict = adj <= p.alpha       ? Verdict::pass
              : adj_opp <= p.alpha ? Verdict::fail
                                   : Verdict::inconclusive;
  std::string s =
      "higher > lower in " + std::to_string(p.wins) + " of " + std::to_string(p.n_pairs) + " pairs";
  if (p.ties) s += " (" + std::to_string(p.ties) + " ties)";
  if (p.excluded) s += ", " + std::to_string(p.excluded) + " pairs excluded";
  if (p.diverged) s += ", " + std::to_string(p.diverged) + " runs diverged";
  s += "; " + p.test + " (" + p.method + ") p = " + num(p.p_value);
  if (p.family_size > 1)
    s += ", Holm " + num(adj) + " over " + std::to_string(p.family_size) + " claims";
  s += "; reverse p = " + num(adj_opp);
  s += r.verdict == Verdict::pass   ? " — the claim holds at alpha " + num(p.alpha)
       : r.verdict == Verdict::fail ? " — the reverse holds at alpha " + num(p.alpha)
                                    : " — the data cannot decide at alpha " + num(p.alpha);
  r.reason = s;
}

}  // namespace spikebench::checks
