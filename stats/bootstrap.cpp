// Percentile bootstrap of a mean (Efron & Tibshirani 1993, ch. 13) with a fixed generator, so
// a verdict that rests on it is the same on every run and platform.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/error.h"
#include "stats/stats.h"

namespace spikebench::stats {
namespace {

/// numpy.quantile's default ("linear") on sorted values.
double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto i = static_cast<size_t>(std::floor(pos));
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + (pos - static_cast<double>(i)) * (sorted[i + 1] - sorted[i]);
}

}  // namespace

Bootstrap bootstrap_mean(const std::vector<double>& d, double confidence, int64_t resamples,
                         uint64_t seed) {
  if (d.empty()) fail("bootstrap: no values");
  if (resamples < 1) fail("bootstrap: resamples must be >= 1");
  Bootstrap b;
  b.resamples = resamples;
  b.mean = std::accumulate(d.begin(), d.end(), 0.0) / static_cast<double>(d.size());
  std::mt19937_64 rng(seed);
  const auto n = static_cast<unsigned __int128>(d.size());
  std::vector<double> means(static_cast<size_t>(resamples));
  int64_t at_or_below = 0, at_or_above = 0;
  for (auto& m : means) {
    double s = 0;
    for (size_t i = 0; i < d.size(); ++i)
      s += d[static_cast<size_t>((static_cast<unsigned __int128>(rng()) * n) >> 64)];
    m = s / static_cast<double>(d.size());
    at_or_below += m <= 0;
    at_or_above += m >= 0;
  }
  std::sort(means.begin(), means.end());
  b.lo = quantile(means, (1 - confidence) / 2);
  b.hi = quantile(means, 1 - (1 - confidence) / 2);
  b.p_greater = static_cast<double>(1 + at_or_below) / static_cast<double>(resamples + 1);
  b.p_less = static_cast<double>(1 + at_or_above) / static_cast<double>(resamples + 1);
  return b;
}

}  // namespace spikebench::stats
