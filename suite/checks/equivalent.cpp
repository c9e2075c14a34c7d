// Check kind `equivalent`: the claim "`a` and `b` are comparable on `metric`" — the paper's
// word "comparable" (Table 1: "Embed LN and Scaled Embed achieved comparable performance";
// App. E: "the perplexities of Scaled Embed were comparable to ones of Vanilla") is an
// equivalence claim, which an ordering test cannot decide: failing to find a difference is not
// evidence of none. Two one-sided tests (TOST, Schuirmann 1987; stats.h: tost) on the paired
// differences a − b against a margin declared in the YAML before any data, with the reason for
// its size (`margin_reason`): an absolute margin in the metric's units, or a ratio margin r for
// a positive metric such as perplexity (the differences are log a − log b, the margin log r).
// Verdicts: pass when both one-sided tests reject (the shift lies inside the margin), fail when
// the data show it outside (either one-sided test beyond the margin rejects, Bonferroni over the
// two), inconclusive otherwise; alpha applies after Holm over the artifact's claims and their
// reverses, as for `compare` (checks.cpp). A diverged run ranks worst by default (+inf): a run
// that diverged is not comparable with one that trained.
#include <cmath>

#include "core/error.h"
#include "suite/checks/check.h"
#include "suite/checks/paired_sides.h"
#include "suite/config/yaml.h"
#include "stats/stats.h"

namespace spikebench::checks {
namespace {

const char* kKeys = R"KEYS(
a: "selector of one side, e.g. {method: embed_ln}"
b: "selector of the other side (the reference of a ratio margin), e.g. {method: scaled_embed}"
margin: "equivalence margin in the metric's units: the shift of a − b lies inside ±margin"
ratio_margin: "equivalence margin as a ratio r > 1 for a positive metric: a / b lies inside [1/r, r] (the shift of log a − log b inside ±log r)"
margin_reason: "why the margin has this size, fixed before any data (required)"
test: "wilcoxon (default) | sign: the one-sided test each half of the TOST uses"
)KEYS";

class Equivalent : public Check {
 public:
  Equivalent(const config::Reader& spec, const std::string& where)
      : Check(spec, where), sides_(spec, where_, "a", "b", "high") {
    require_keys(spec, (std::string(kKeys) + kPairedSideKeys).c_str());
    if (spec.defined("test")) test_ = spec.get<std::string>("test", where_);
    if (test_ != "wilcoxon" && test_ != "sign")
      fail(where_, ": key 'test': unknown test '", test_, "' for an equivalence (valid: wilcoxon, sign)");
    if (sides_.zero_one() || sides_.rule() == DivergedRule::low)
      fail(where_, ": an equivalence needs a metric with a scale (no 'above', no metric "
                   "'diverged') and a diverged run at +inf or excluded (key 'diverged')");
    if (spec.defined("margin") == spec.defined("ratio_margin"))
      fail(where_, ": give exactly one of keys 'margin' (absolute) and 'ratio_margin'");
    if (spec.defined("margin")) {
      margin_ = spec.get<double>("margin", where_);
      if (!(margin_ > 0) || !std::isfinite(margin_))
        fail(where_, ": key 'margin' must be positive and finite");
    } else {
      ratio_ = spec.get<double>("ratio_margin", where_);
      if (!(ratio_ > 1) || !std::isfinite(ratio_))
        fail(where_, ": key 'ratio_margin' must be a ratio above 1 (e.g. 1.01 for 1 %)");
      margin_ = std::log(ratio_);
    }
    if (!spec.defined("margin_reason") || spec.get<std::string>("margin_reason", where_).empty())
      fail(where_, ": missing key 'margin_reason' (why the margin has its size, stated before "
                   "any data)");
    parse_family(spec, where_, alpha_, in_family_, family_);
  }

  void validate_plan(const std::vector<RunAttrs>& planned) const override {
    sides_.validate_plan(planned);
  }

  Result evaluate(Context& ctx) const override {
    Result r;
    r.statistic = sides_.describe() + (ratio() ? " (log ratio a / b)" : " (a − b)");
    r.expected = sides_.first().text() + " comparable with " + sides_.second().text() +
                 (ratio() ? ": ratio within [1/" + num(ratio_) + ", " + num(ratio_) + "]"
                          : ": within ±" + num(margin_));
    r.tolerance = "alpha " + num(alpha_) + " (Holm), TOST";
    const auto v = sides_.collect(ctx.root);
    Paired p;
    p.test = test_, p.alpha = alpha_, p.in_family = in_family_, p.family = family_;
    p.excluded = v.excluded, p.diverged = v.diverged;
    p.margin = margin_, p.margin_scale = ratio() ? "ratio" : "absolute", p.ratio_margin = ratio_;
    std::vector<double> d;
    int64_t not_positive = 0;
    for (const auto& [a, b] : v.xy) {
      if (a == b) {
        d.push_back(0.0);  // two diverged runs (inf, inf) tie
      } else if (!ratio()) {
        d.push_back(a - b);
      } else if (a > 0 && b > 0) {
        d.push_back(std::log(a) - std::log(b));
      } else {
        ++not_positive;  // a ratio of a non-positive value is undefined: missing data
      }
    }
    p.excluded += not_positive;
    std::vector<double> finite;
    for (double x : d)
      if (std::isfinite(x)) finite.push_back(x);
    p.n_pairs = static_cast<int64_t>(d.size());
    for (double x : d) {
      p.wins += x > 0, p.losses += x < 0, p.ties += x == 0;
      p.inside += std::abs(x) < margin_;
    }
    describe_effect(d, finite, p);
    p.min_attainable_p = stats::min_attainable_p(test_, p.n_pairs);
    p.evidence = evidence_id("tost " + test_ + " " + p.margin_scale + " " + num(margin_),
                             static_cast<int>(sides_.rule()), d);
    r.paired = p;
    if (v.pairs == 0) {
      r.verdict = Verdict::skip;
      r.reason = "no paired runs in the results";
      return r;
    }
    if (d.empty()) {
      r.verdict = Verdict::inconclusive;
      r.reason = "no usable pairs (" + std::to_string(p.excluded) + " excluded" +
                 (not_positive ? ", " + std::to_string(not_positive) + " not positive" : "") + ")";
      return r;
    }
    const auto t = stats::tost(d, margin_, test_);
    auto& q = *r.paired;
    q.p_value = t.p_equivalent, q.p_opposite = t.p_outside, q.method = t.method;
    q.p_tost_lower = t.p_lower, q.p_tost_upper = t.p_upper;
    q.p_below = t.p_below, q.p_above = t.p_above;
    r.actual = std::string("mean ") + (ratio() ? "log ratio" : "diff (a − b)") + " " +
               num(p.effect) + " [" + num(p.effect_lo) + ", " + num(p.effect_hi) + "]";
    return r;  // the verdict is decided over the family (decide())
  }

 private:
  bool ratio() const { return !std::isnan(ratio_); }

  PairedSides sides_;
  std::string test_ = "wilcoxon";
  double margin_ = NAN;  // in the differences' units (log r for a ratio margin)
  double ratio_ = NAN;   // r of a ratio margin; NaN for an absolute margin
  double alpha_ = 0.05;
  bool in_family_ = true;
  std::string family_;
};

SPIKEBENCH_CHECK("equivalent",
                 "two one-sided tests (TOST) that `a` and `b` agree within a declared margin",
                 Equivalent);

}  // namespace
}  // namespace spikebench::checks
