// Exact one-sided binomial sign test (Dixon & Mood 1946): under H0 each non-zero paired
// difference is positive with probability 1/2, so the count of positives is Bin(n, 1/2).
#include <algorithm>
#include <cmath>

#include "stats/stats.h"

namespace spikebench::stats {

TestResult sign_test(const std::vector<double>& d, Alternative alternative) {
  TestResult r;
  if (std::any_of(d.begin(), d.end(), [](double x) { return std::isnan(x); })) {
    r.method = "NaN among the differences";  // missing data is not a tie: p is NaN
    r.p_value = NAN;
    return r;
  }
  int64_t n = 0, k = 0;
  for (double x : d) {
    if (x == 0) continue;  // ties carry no sign
    ++n;
    k += x > 0;
  }
  r.statistic = static_cast<double>(k), r.n = n, r.method = "exact binomial";
  // pmf(i) = C(n, i) / 2^n, built up in long double (2^-n underflows double past n = 1074).
  long double pmf = std::pow(0.5L, static_cast<long double>(n)), tail = 0;
  for (int64_t i = 0; i <= n; ++i) {
    if (alternative == Alternative::greater ? i >= k : i <= k) tail += pmf;
    pmf = pmf * static_cast<long double>(n - i) / static_cast<long double>(i + 1);
  }
  r.p_value = std::min(1.0, static_cast<double>(tail));
  return r;
}

}  // namespace spikebench::stats
