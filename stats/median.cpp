#include <algorithm>
#include <cmath>

#include "stats/stats.h"

namespace spikebench::stats {

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  const size_t m = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m), v.end());
  if (v.size() % 2) return v[m];
  const double upper = v[m];
  return 0.5 * (*std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m)) + upper);
}

}  // namespace spikebench::stats
