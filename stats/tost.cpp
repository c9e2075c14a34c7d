// Two one-sided tests for equivalence of paired samples (Schuirmann 1987; Wellek, Testing
// Statistical Hypotheses of Equivalence and Noninferiority, 2nd ed. 2010, §5.4 for the signed-rank
// form): the location of the differences lies inside (−margin, +margin) when both
//   H01: shift <= −margin   (test d + margin, alternative greater) and
//   H02: shift >= +margin   (test d − margin, alternative less)
// are rejected; the intersection-union principle makes max(p01, p02) a level-alpha test with no
// multiplicity correction (Berger 1982). The reverse — the shift lies outside the margin — is the
// union of "below −margin" and "above +margin", tested one-sided each and Bonferroni-combined.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "stats/stats.h"

namespace spikebench::stats {
namespace {

TestResult one_sided(const std::string& test, const std::vector<double>& d, Alternative a) {
  if (test == "wilcoxon") return wilcoxon(d, a);
  if (test == "sign") return sign_test(d, a);
  fail("tost: unknown test '", test, "' (valid: wilcoxon, sign)");
}

std::vector<double> shifted(const std::vector<double>& d, double by) {
  std::vector<double> out;
  out.reserve(d.size());
  for (double x : d) out.push_back(x + by);
  return out;
}

}  // namespace

Tost tost(const std::vector<double>& d, double margin, const std::string& test) {
  if (!(margin > 0) || !std::isfinite(margin))
    fail("tost: the margin must be positive and finite (got ", margin, ")");
  Tost t;
  const auto up = shifted(d, margin), down = shifted(d, -margin);
  const auto lower = one_sided(test, up, Alternative::greater);
  const auto upper = one_sided(test, down, Alternative::less);
  t.p_lower = lower.p_value, t.p_upper = upper.p_value;
  t.p_below = one_sided(test, up, Alternative::less).p_value;
  t.p_above = one_sided(test, down, Alternative::greater).p_value;
  // Missing data (a NaN difference) makes every p NaN; std::max would drop a NaN argument.
  t.p_equivalent =
      std::isnan(t.p_lower) || std::isnan(t.p_upper) ? NAN : std::max(t.p_lower, t.p_upper);
  t.p_outside = std::isnan(t.p_below) || std::isnan(t.p_above)
                    ? NAN
                    : std::min(1.0, 2.0 * std::min(t.p_below, t.p_above));
  t.method = lower.method == upper.method ? lower.method : lower.method + " / " + upper.method;
  t.n_lower = lower.n, t.n_upper = upper.n;
  return t;
}

}  // namespace spikebench::stats
