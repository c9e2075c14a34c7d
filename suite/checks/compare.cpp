// Check kind `compare` (alias `ordering`): the claim "`lower` is lower than `higher` on
// `metric`", tested over paired runs — runs that differ only in what the two selectors fix
// (usually the method), so each pair shares seed, lr, size, data order and init. The verdict
// is three-valued: pass when the one-sided test rejects "not lower" at alpha, fail when the
// opposite one-sided test rejects at alpha, inconclusive otherwise; alpha applies to
// Holm-adjusted p-values over the artifact's claims and their reverses (checks.cpp). Metrics are
// "lower is better or stabler"; a diverged run takes the value `diverged` says (high: it ranks
// worst). Beside the test: the Hodges–Lehmann shift with its exact interval, the smallest p the
// test can reach with these pairs (and after Holm), the minimum detectable effect, and an evidence
// id (a hash of the test and the paired differences) that tells two claims resting on the same
// data apart from two claims that agree by chance.
#include <algorithm>
#include <cmath>
#include <cstdio>

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
metric: "DATASET:REDUCTION, @ATTR, diverged (1 if the run diverged, else 0), or per method and seed over the lr sweep: lr_sensitivity | critical_lr"
test: "sign | wilcoxon | bootstrap | mcnemar (the exact sign test on a 0/1 outcome's discordant pairs)"
above: "turn the metric into a 0/1 outcome per run: 1 when it is above this value or the run diverged (e.g. failed = final loss near the unigram loss), for test mcnemar"
alpha: "family-wise significance level (default 0.05)"
diverged: "value of a diverged run: high (default; ranks worst), low, or exclude (the only rule for bootstrap: a mean cannot hold an infinite difference)"
family: "the Holm family the claim joins: true (default: the artifact's claims), false (none), or a name (the claims sharing it)"
)KEYS";

enum class Rule { high, low, exclude };

bool is_sweep_metric(const std::string& m) { return m == "lr_sensitivity" || m == "critical_lr"; }

/// FNV-1a over the test, the rule and the differences' bits: equal for two claims that test
/// the same paired data the same way (one claim with several citations), whatever their names.
std::string evidence_id(const std::string& test, int rule, const std::vector<double>& d) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&](const void* p, size_t n) {
    for (size_t i = 0; i < n; ++i)
      h = (h ^ static_cast<const unsigned char*>(p)[i]) * 1099511628211ULL;
  };
  mix(test.data(), test.size());
  mix(&rule, sizeof rule);
  for (double x : d) mix(&x, sizeof x);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

double sample_sd(const std::vector<double>& v) {
  if (v.size() < 2) return NAN;
  double mean = 0, ss = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

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
    if (is_sweep_metric(metric_)) {
      for (const char* side : {"lower", "higher"})
        if (spec[side]["lr"])
          fail(where_, ": key '", side, ".lr': ", metric_, " is per method over every lr");
    } else if (metric_ != "diverged") {
      validate_metric(metric_, where_);
    }
    if (spec["test"])
      test_ = config::get<std::string>(spec, "test", where_);
    else if (default_test)
      test_ = default_test;
    else
      fail(where_, ": missing key 'test' (sign, wilcoxon or bootstrap)");
    if (test_ != "sign" && test_ != "wilcoxon" && test_ != "bootstrap" && test_ != "mcnemar")
      fail(where_, ": key 'test': unknown test '", test_,
           "' (valid: sign, wilcoxon, bootstrap, mcnemar)");
    if (spec["above"]) {
      above_ = config::get<double>(spec, "above", where_);
      if (!std::isfinite(above_) || is_sweep_metric(metric_) || metric_ == "diverged")
        fail(where_, ": key 'above' needs a finite value and a per-run metric");
    }
    if (test_ == "mcnemar" && metric_ != "diverged" && std::isnan(above_))
      fail(where_, ": key 'test': mcnemar needs a 0/1 outcome (metric: diverged, or key 'above')");
    if (spec["alpha"]) {
      alpha_ = config::get<double>(spec, "alpha", where_);
      if (!(alpha_ > 0 && alpha_ < 1)) fail(where_, ": key 'alpha' must be in (0, 1)");
    }
    const auto rule = spec["diverged"]       ? config::get<std::string>(spec, "diverged", where_)
                      : test_ == "bootstrap" ? "exclude"
                                             : "high";
    if (test_ == "bootstrap" && rule != "exclude")
      fail(where_,
           ": key 'diverged': test bootstrap averages the differences, so a diverged run "
           "cannot rank '",
           rule, "'; use exclude (the default for bootstrap) or test wilcoxon");
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
    if (is_sweep_metric(metric_)) {
      for (const auto& s : planned_lr_sweeps(planned)) add(sweep_unit(s), lo, hi);
    } else {
      for (const auto& a : planned) add(Unit{"planned", a, NAN, false}, lo, hi);
    }
    const auto pairs = make_pairs(lo, hi, lower_, higher_, where_);
    if (pairs.empty())
      fail(where_, ": keys 'lower'/'higher' select no pairs among the planned runs (lower ",
           config::flow(lower_), " matches ", lo.size(), ", higher ", config::flow(higher_),
           " matches ", hi.size(),
           is_sweep_metric(metric_) ? "; " + metric_ + " needs >= 2 lrs" : std::string(), ")");
  }

  Result evaluate(Context& ctx) const override {
    Result r;
    r.statistic =
        (metric_ == "lr_sensitivity" ? std::string("LR sensitivity (") + kLrLossMetric + ")"
         : metric_ == "critical_lr"  ? std::string("critical lr (largest stable lr)")
                                     : metric_) +
        (std::isnan(above_) ? "" : " > " + num(above_) + " or diverged (0/1)") +
        ", paired: " + config::flow(lower_) + " vs " + config::flow(higher_);
    r.expected = config::flow(lower_) + " lower";
    r.tolerance = "alpha " + num(alpha_) + " (Holm)";
    std::vector<Unit> lo, hi;
    collect(ctx.root, lo, hi);
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
    std::vector<double> finite;
    for (double x : d)
      if (std::isfinite(x)) finite.push_back(x);
    if (test_ == "bootstrap") {  // the mean needs finite differences (diverged: exclude)
      p.excluded += static_cast<int64_t>(d.size() - finite.size());
      d = finite;
    }
    p.n_pairs = static_cast<int64_t>(d.size());
    for (double x : d) p.wins += x > 0, p.losses += x < 0, p.ties += x == 0;
    p.effect_n = static_cast<int64_t>(finite.size());
    if (!finite.empty()) {
      const auto b = stats::bootstrap_mean(finite);
      p.effect = b.mean;
      if (finite.size() >= 2) p.effect_lo = b.lo, p.effect_hi = b.hi;
    }
    p.effect_sd = sample_sd(finite);
    const auto hl = stats::hodges_lehmann(d);
    p.hl = hl.estimate, p.hl_lo = hl.lo, p.hl_hi = hl.hi;
    p.min_attainable_p = stats::min_attainable_p(test_, p.n_pairs);
    p.evidence = evidence_id(test_, static_cast<int>(rule_), d);
    r.paired = p;
    if (pairs.empty()) {
      r.verdict = Verdict::skip;
      r.reason = "no paired runs in the results";
      return r;
    }
    if (d.empty()) {
      r.verdict = Verdict::inconclusive;
      r.reason = p.diverged == static_cast<int64_t>(2 * pairs.size())
                     ? "all " + std::to_string(2 * pairs.size()) + " runs diverged"
                     : "no usable pairs (" + std::to_string(p.excluded) + " excluded)";
      return r;
    }
    one_sided_tests(d, finite, *r.paired);
    r.actual = "mean diff (higher − lower) " + num(p.effect) + " [" + num(p.effect_lo) + ", " +
               num(p.effect_hi) + "]";
    return r;  // the verdict is decided over the family (decide())
  }

 private:
  /// Both one-sided p-values of the claim's test on the paired differences.
  void one_sided_tests(const std::vector<double>& d, const std::vector<double>& finite,
                       Paired& p) const {
    if (test_ == "sign" || test_ == "mcnemar") {
      const auto g = stats::sign_test(d, stats::Alternative::greater);
      p.p_value = g.p_value, p.method = g.method;
      p.p_opposite = stats::sign_test(d, stats::Alternative::less).p_value;
      if (test_ == "mcnemar") p.method = "exact McNemar (binomial on discordant pairs)";
    } else if (test_ == "wilcoxon") {
      const auto g = stats::wilcoxon(d, stats::Alternative::greater);
      p.p_value = g.p_value, p.method = g.method;
      p.p_opposite = stats::wilcoxon(d, stats::Alternative::less).p_value;
    } else {
      const auto b = stats::bootstrap_mean(finite);
      p.p_value = b.p_greater, p.p_opposite = b.p_less;
      p.method = "percentile, " + std::to_string(b.resamples) + " resamples, fixed seed";
    }
  }
  /// The lower- and higher-side units of the results: one per run (the metric, the 0/1
  /// outcome `diverged`, or the metric above `above`), or one per lr sweep.
  void collect(const results::Group& root, std::vector<Unit>& lo, std::vector<Unit>& hi) const {
    if (is_sweep_metric(metric_)) {
      for (const auto& s : lr_sweeps(root)) add(sweep_unit(s, metric_), lo, hi);
      return;
    }
    for (const auto& [name, g] : select_runs(root, YAML::Node())) {
      if (metric_ == "diverged" || !std::isnan(above_)) {  // a 0/1 outcome: no rule replaces it
        const double v = metric_ == "diverged" ? 0.0 : metric(*g, metric_);
        const double failed = diverged(*g) ? 1.0 : std::isnan(v) ? NAN : v > above_ ? 1.0 : 0.0;
        add(Unit{name, g->attrs, failed, false}, lo, hi);
      } else {
        add(Unit{name, g->attrs, metric(*g, metric_), diverged(*g)}, lo, hi);
      }
    }
  }
  void add(Unit u, std::vector<Unit>& lo, std::vector<Unit>& hi) const {
    if (matches(u.attrs, lower_)) lo.push_back(u);
    if (matches(u.attrs, higher_)) hi.push_back(std::move(u));
  }
  static Unit sweep_unit(const LrSweep& s, const std::string& metric = "lr_sensitivity") {
    RunAttrs a{{"method", s.method}, {"size", s.size}, {"seed", s.seed}};
    return Unit{s.method + "/" + s.size + "/s" + std::to_string(s.seed), a,
                metric == "critical_lr" ? s.critical_lr : s.sensitivity, false};
  }
  double value(const Unit& u) const {
    if (!u.diverged) return u.value;
    return rule_ == Rule::high ? INFINITY : -INFINITY;
  }

  YAML::Node lower_, higher_;
  std::string metric_, test_;
  double above_ = NAN;  // a 0/1 outcome: metric > above_ (or diverged); NaN: the metric itself
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
  auto& p = *r.paired;
  const double adj = std::isnan(p.p_adjusted) ? p.p_value : p.p_adjusted;
  const double adj_opp = std::isnan(p.p_opposite_adjusted) ? p.p_opposite : p.p_opposite_adjusted;
  // Holm's most favourable case for this claim: the smallest p of its family of 2m one-sided
  // hypotheses (the claims and their reverses), times 2m; out of a family, the raw p.
  const double m = p.family_size > 0 ? 2.0 * static_cast<double>(p.family_size) : 1.0;
  p.min_attainable_p_adjusted = std::min(1.0, m * p.min_attainable_p);
  p.mde = stats::minimum_detectable_effect(p.test, p.effect_sd, p.effect_n, p.alpha / m);
  r.verdict = adj <= p.alpha       ? Verdict::pass
              : adj_opp <= p.alpha ? Verdict::fail
                                   : Verdict::inconclusive;
  std::string s =
      "higher > lower in " + std::to_string(p.wins) + " of " + std::to_string(p.n_pairs) + " pairs";
  if (p.ties) s += " (" + std::to_string(p.ties) + " ties)";
  if (p.excluded) s += ", " + std::to_string(p.excluded) + " pairs excluded";
  if (p.diverged) s += ", " + std::to_string(p.diverged) + " runs diverged";
  s += "; " + p.test + " (" + p.method + ") p = " + num(p.p_value);
  if (p.family_size > 0)
    s += ", Holm " + num(adj) + " over " + std::to_string(p.family_size) +
         " claims and their reverses";
  s += "; reverse p = " + num(p.p_opposite);
  if (p.family_size > 0) s += ", Holm " + num(adj_opp);
  s += "; Hodges–Lehmann shift " + num(p.hl) + " [" + num(p.hl_lo) + ", " + num(p.hl_hi) + "]";
  const bool underpowered = p.min_attainable_p_adjusted > p.alpha;
  s +=
      r.verdict == Verdict::pass   ? " — the claim holds at alpha " + num(p.alpha)
      : r.verdict == Verdict::fail ? " — the reverse holds at alpha " + num(p.alpha)
      : underpowered
          ? " — underpowered: with " + std::to_string(p.n_pairs) +
                " pairs the smallest attainable p is " + num(p.min_attainable_p) +
                (p.family_size > 0 ? ", " + num(p.min_attainable_p_adjusted) + " after Holm" : "") +
                ", above alpha " + num(p.alpha) + ": no outcome could decide it"
          : " — the data cannot decide at alpha " + num(p.alpha) + " (minimum detectable effect " +
                num(p.mde) + " at 80 % power)";
  r.reason = s;
}

}  // namespace spikebench::checks
