// Hodges–Lehmann location estimate of paired differences and its exact interval (Hodges &
// Lehmann 1963; Hollander & Wolfe, "Nonparametric Statistical Methods", §3.3): the interval is
// the set of shifts the Wilcoxon signed-rank test does not reject, read off the sorted Walsh
// averages with the signed-rank null distribution's quantile.
#include <algorithm>
#include <cmath>

#include "stats/stats.h"

namespace spikebench::stats {
namespace {

constexpr int64_t kExactMax = 200;  // exact null distribution up to here (O(n^3) to build)

/// P(R+ <= k) for k = 0..n(n+1)/2 under the null (n untied ranks, each sign with prob. 1/2).
std::vector<double> signed_rank_cdf(int64_t n) {
  const auto max_sum = static_cast<size_t>(n * (n + 1) / 2);
  std::vector<long double> c(max_sum + 1, 0.0L);  // counts / 2^n, built in long double
  c[0] = 1;
  for (int64_t r = 1; r <= n; ++r)
    for (size_t s = max_sum; s >= static_cast<size_t>(r); --s)
      c[s] += c[s - static_cast<size_t>(r)];
  std::vector<double> cdf(max_sum + 1);
  long double run = 0, scale = std::pow(0.5L, static_cast<long double>(n));
  for (size_t s = 0; s <= max_sum; ++s) run += c[s] * scale, cdf[s] = static_cast<double>(run);
  return cdf;
}

double walsh(double a, double b) {
  const double w = 0.5 * (a + b);
  return std::isnan(w) ? 0.0 : w;  // +inf and -inf average to a tie
}

}  // namespace

HodgesLehmann hodges_lehmann(const std::vector<double>& d_all, double confidence) {
  std::vector<double> d;
  for (double x : d_all)
    if (!std::isnan(x)) d.push_back(x);
  HodgesLehmann h;
  h.n = static_cast<int64_t>(d.size());
  if (d.empty()) return h;
  std::vector<double> w;
  w.reserve(d.size() * (d.size() + 1) / 2);
  for (size_t i = 0; i < d.size(); ++i)
    for (size_t j = i; j < d.size(); ++j) w.push_back(walsh(d[i], d[j]));
  std::sort(w.begin(), w.end());
  const size_t m = w.size();
  h.estimate = m % 2 ? w[m / 2] : walsh(w[m / 2 - 1], w[m / 2]);
  // k: the largest with P(R+ <= k-1) <= (1 - confidence) / 2; the interval [W_(k), W_(M+1-k)].
  const double tail = (1 - confidence) / 2;
  if (h.n > kExactMax) {  // normal approximation of R+ (mean n(n+1)/4, var n(n+1)(2n+1)/24)
    const auto n = static_cast<double>(h.n);
    const double z = normal_isf(tail), sd = std::sqrt(n * (n + 1) * (2 * n + 1) / 24);
    const auto k = static_cast<size_t>(std::max(1.0, std::floor(n * (n + 1) / 4 - z * sd)));
    h.lo = w[k - 1], h.hi = w[m - k], h.coverage = 1 - 2 * tail;
    return h;
  }
  const auto cdf = signed_rank_cdf(h.n);
  size_t k = 0;
  while (k < cdf.size() && cdf[k] <= tail * (1 + 1e-12)) ++k;
  if (k == 0) {
    h.lo = -INFINITY, h.hi = INFINITY, h.coverage = 1;
    return h;
  }
  h.lo = w[k - 1], h.hi = w[m - k];
  h.coverage = 1 - 2 * cdf[k - 1];
  return h;
}

}  // namespace spikebench::stats
