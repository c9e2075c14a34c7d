// Holm's step-down adjustment (Holm 1979, "A simple sequentially rejective multiple test
// procedure"): controls the family-wise error rate of a family of claims at alpha.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "stats/stats.h"

namespace spikebench::stats {

std::vector<double> holm(const std::vector<double>& p) {
  std::vector<size_t> order;
  for (size_t i = 0; i < p.size(); ++i)
    if (!std::isnan(p[i])) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  std::vector<double> adj(p.size(), NAN);
  const auto m = static_cast<double>(order.size());
  double running = 0;
  for (size_t j = 0; j < order.size(); ++j) {
    running = std::max(running, std::min(1.0, (m - static_cast<double>(j)) * p[order[j]]));
    adj[order[j]] = running;
  }
  return adj;
}

}  // namespace spikebench::stats
