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
#include "suite/checks/paired_sides.h"
#include "suite/config/yaml.h"
#include "stats/stats.h"

namespace spikebench::checks {
namespace {

const char* kKeys = R"KEYS(
lower: "selector of the side claimed lower, e.g. {method: scaled_embed}"
higher: "selector of the side claimed higher, e.g. {method: vanilla}"
test: "sign | wilcoxon | bootstrap | mcnemar (the exact sign test on a 0/1 outcome's discordant pairs)"
)KEYS";

std::string test_of(const config::Reader& spec, const std::string& where,
                    const char* default_test) {
  if (spec.defined("test")) return spec.get<std::string>("test", where);
  if (!default_test) fail(where, ": missing key 'test' (sign, wilcoxon or bootstrap)");
  return default_test;
}

class Compare : public Check {
 public:
  Compare(const config::Reader& spec, const std::string& where, const char* default_test)
      : Check(spec, where),
        test_(test_of(spec, where_, default_test)),
        sides_(spec, where_, "lower", "higher", test_ == "bootstrap" ? "exclude" : "high") {
    require_keys(spec, (std::string(kKeys) + kPairedSideKeys).c_str());
    if (test_ != "sign" && test_ != "wilcoxon" && test_ != "bootstrap" && test_ != "mcnemar")
      fail(where_, ": key 'test': unknown test '", test_,
           "' (valid: sign, wilcoxon, bootstrap, mcnemar)");
    if (test_ == "mcnemar" && !sides_.zero_one())
      fail(where_, ": key 'test': mcnemar needs a 0/1 outcome (metric: diverged, or key 'above')");
    if (test_ == "bootstrap" && sides_.rule() != DivergedRule::exclude)
      fail(where_,
           ": key 'diverged': test bootstrap averages the differences, so a diverged run "
           "cannot rank '",
           spec.get<std::string>("diverged", where_),
           "'; use exclude (the default for bootstrap) or test wilcoxon");
    parse_family(spec, where_, alpha_, in_family_, family_);
  }

  void validate_plan(const std::vector<RunAttrs>& planned) const override {
    sides_.validate_plan(planned);
  }

  Result evaluate(Context& ctx) const override {
    Result r;
    r.statistic = sides_.describe();
    r.expected = sides_.first().text() + " lower";
    r.tolerance = "alpha " + num(alpha_) + " (Holm)";
    const auto v = sides_.collect(ctx.root);
    Paired p;
    p.test = test_, p.alpha = alpha_, p.in_family = in_family_, p.family = family_;
    p.excluded = v.excluded, p.diverged = v.diverged;
    std::vector<double> d;
    for (const auto& [a, b] : v.xy) d.push_back(a == b ? 0.0 : b - a);  // (inf, inf) ties
    std::vector<double> finite;
    for (double x : d)
      if (std::isfinite(x)) finite.push_back(x);
    if (test_ == "bootstrap") {  // the mean needs finite differences (diverged: exclude)
      p.excluded += static_cast<int64_t>(d.size() - finite.size());
      d = finite;
    }
    p.n_pairs = static_cast<int64_t>(d.size());
    for (double x : d) p.wins += x > 0, p.losses += x < 0, p.ties += x == 0;
    describe_effect(d, finite, p);
    p.min_attainable_p = stats::min_attainable_p(test_, p.n_pairs);
    p.evidence = evidence_id(test_, static_cast<int>(sides_.rule()), d);
    r.paired = p;
    if (v.pairs == 0) {
      r.verdict = Verdict::skip;
      r.reason = "no paired runs in the results";
      return r;
    }
    if (d.empty()) {
      r.verdict = Verdict::inconclusive;
      r.reason = p.diverged == 2 * v.pairs
                     ? "all " + std::to_string(2 * v.pairs) + " runs diverged"
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

  std::string test_;
  PairedSides sides_;
  double alpha_ = 0.05;
  bool in_family_ = true;
  std::string family_;  // named Holm family; "" = the artifact's
};

class Ordering : public Compare {  // the pre-statistics name; `test` defaults to sign
 public:
  Ordering(const config::Reader& spec, const std::string& where) : Compare(spec, where, "sign") {}
};
class CompareKind : public Compare {
 public:
  CompareKind(const config::Reader& spec, const std::string& where)
      : Compare(spec, where, nullptr) {}
};

SPIKEBENCH_CHECK("compare",
                 "paired one-sided test that `lower` < `higher` (sign, wilcoxon, bootstrap)",
                 CompareKind);
SPIKEBENCH_CHECK("ordering", "alias of compare with test: sign (studies written before compare)",
                 Ordering);

}  // namespace

namespace {

std::string equivalence_reason(Verdict v, const Paired& p, double adj, double adj_opp) {
  const bool ratio = p.margin_scale == "ratio";
  const std::string margin = ratio ? "ratio within [1/" + num(p.ratio_margin) + ", " +
                                         num(p.ratio_margin) + "] (log ±" + num(p.margin) + ")"
                                   : "±" + num(p.margin);
  std::string s = std::to_string(p.inside) + " of " + std::to_string(p.n_pairs) +
                  " pairs inside " + margin;
  if (p.excluded) s += ", " + std::to_string(p.excluded) + " pairs excluded";
  if (p.diverged) s += ", " + std::to_string(p.diverged) + " runs diverged";
  s += "; Hodges–Lehmann shift" + std::string(ratio ? " of the log ratio " : " ") + num(p.hl) +
       " [" + num(p.hl_lo) + ", " + num(p.hl_hi) + "]";
  s += "; TOST (" + p.test + ", " + p.method + ") p = max(" + num(p.p_tost_lower) + ", " +
       num(p.p_tost_upper) + ") = " + num(p.p_value);
  if (p.family_size > 0) s += ", Holm " + num(adj);
  s += "; outside the margin p = " + num(p.p_opposite);
  if (p.family_size > 0)
    s += ", Holm " + num(adj_opp) + " (over " + std::to_string(p.family_size) +
         " claims and their reverses)";
  const bool underpowered = p.min_attainable_p_adjusted > p.alpha;
  s += v == Verdict::pass   ? " — equivalent within the margin at alpha " + num(p.alpha)
       : v == Verdict::fail ? " — the shift lies outside the margin at alpha " + num(p.alpha)
       : underpowered
           ? " — underpowered: with " + std::to_string(p.n_pairs) +
                 " pairs the smallest attainable p is " + num(p.min_attainable_p) +
                 (p.family_size > 0 ? ", " + num(p.min_attainable_p_adjusted) + " after Holm"
                                    : "") +
                 ", above alpha " + num(p.alpha) + ": no outcome could decide it"
           : " — the data cannot decide at alpha " + num(p.alpha) +
                 " (smallest margin provable with 80 % power at no difference: " + num(p.mde) +
                 ")";
  return s;
}

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
  r.verdict = adj <= p.alpha       ? Verdict::pass
              : adj_opp <= p.alpha ? Verdict::fail
                                   : Verdict::inconclusive;
  if (!std::isnan(p.margin)) {
    // The smallest margin the TOST establishes with 80 % power when the true shift is 0: each
    // one-sided test at 90 % power (the two errors add).
    p.mde = stats::minimum_detectable_effect(p.test, p.effect_sd, p.effect_n, p.alpha / m, 0.9);
    r.reason = equivalence_reason(r.verdict, p, adj, adj_opp);
    return;
  }
  p.mde = stats::minimum_detectable_effect(p.test, p.effect_sd, p.effect_n, p.alpha / m);
  std::string s =
      p.direction + " in " + std::to_string(p.wins) + " of " + std::to_string(p.n_pairs) + " pairs";
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
