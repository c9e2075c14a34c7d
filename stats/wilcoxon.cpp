// Wilcoxon signed-rank test (Wilcoxon 1945) with scipy.stats.wilcoxon's defaults (scipy 1.17,
// scipy/stats/_wilcoxon.py): zero_method "wilcox", correction False, method "auto".
#include <algorithm>
#include <cmath>
#include <numeric>

#include "stats/stats.h"

namespace spikebench::stats {
namespace {

/// Average ranks (1-based) of `v`, and the tie-correction term sum(t^3 - t) over tie groups.
std::vector<double> average_ranks(const std::vector<double>& v, double* tie_term, bool* ties) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(v.size());
  *tie_term = 0, *ties = false;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double avg = 0.5 * static_cast<double>(i + j) + 1.0;
    for (size_t k = i; k <= j; ++k) rank[order[k]] = avg;
    const double t = static_cast<double>(j - i + 1);
    if (t > 1) *ties = true, *tie_term += t * t * t - t;
    i = j + 1;
  }
  return rank;
}

/// Exact null distribution of R+ for n untied ranks 1..n: counts[s] = #subsets summing to s.
std::vector<uint64_t> exact_counts(int64_t n) {
  const size_t max_sum = static_cast<size_t>(n * (n + 1) / 2);
  std::vector<uint64_t> c(max_sum + 1, 0);
  c[0] = 1;
  for (int64_t r = 1; r <= n; ++r)
    for (size_t s = max_sum; s >= static_cast<size_t>(r); --s)
      c[s] += c[s - static_cast<size_t>(r)];
  return c;
}

}  // namespace

TestResult wilcoxon(const std::vector<double>& d_all, Alternative alternative) {
  TestResult r;
  if (std::any_of(d_all.begin(), d_all.end(), [](double x) { return std::isnan(x); })) {
    r.method = "NaN among the differences";  // scipy's nan_policy "propagate": p is NaN
    r.p_value = NAN;
    return r;
  }
  std::vector<double> d;  // zero_method "wilcox": zeros are dropped
  for (double x : d_all)
    if (x != 0) d.push_back(x);
  const bool has_zeros = d.size() != d_all.size();
  r.n = static_cast<int64_t>(d.size());
  if (d.empty()) {
    r.method = "no non-zero differences";
    r.p_value = 1;
    return r;
  }
  std::vector<double> abs_d(d.size());
  for (size_t i = 0; i < d.size(); ++i) abs_d[i] = std::abs(d[i]);
  double tie_term = 0;
  bool ties = false;
  const auto rank = average_ranks(abs_d, &tie_term, &ties);
  double r_plus = 0;
  for (size_t i = 0; i < d.size(); ++i)
    if (d[i] > 0) r_plus += rank[i];
  r.statistic = r_plus;
  const auto n = static_cast<double>(d.size());
  const bool greater = alternative == Alternative::greater;

  if (d_all.size() <= 50 && !ties && !has_zeros) {  // exact distribution of R+
    r.method = "exact";
    const auto counts = exact_counts(r.n);
    uint64_t tail = 0;
    const auto k = static_cast<int64_t>(greater ? std::floor(r_plus) : std::ceil(r_plus));
    for (size_t s = 0; s < counts.size(); ++s)
      if (greater ? static_cast<int64_t>(s) >= k : static_cast<int64_t>(s) <= k) tail += counts[s];
    r.p_value = std::ldexp(static_cast<double>(tail), -static_cast<int>(r.n));
    return r;
  }
  if (d_all.size() <= 13) {  // ties or zeros: the exact permutation distribution
    r.method = "permutation (exact)";
    const uint64_t patterns = uint64_t{1} << d.size();
    uint64_t hits = 0;
    const double tol = 1e-14 * std::max(1.0, std::abs(r_plus));  // scipy's relative gamma
    for (uint64_t mask = 0; mask < patterns; ++mask) {
      double s = 0;
      for (size_t i = 0; i < d.size(); ++i)
        if (mask >> i & 1) s += rank[i];
      hits += greater ? s >= r_plus - tol : s <= r_plus + tol;
    }
    r.p_value = static_cast<double>(hits) / static_cast<double>(patterns);
    return r;
  }
  r.method = "normal approximation";
  const double mean = n * (n + 1) * 0.25;
  const double se = std::sqrt((n * (n + 1) * (2 * n + 1) - tie_term / 2) / 24);
  const double z = (r_plus - mean) / se;
  r.p_value = greater ? normal_sf(z) : normal_sf(-z);
  return r;
}

double normal_sf(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

}  // namespace spikebench::stats
