// What a paired design can detect: the smallest p-value a test can reach with n pairs, the
// minimum detectable effect at a level and power, and the pairs a claim needs (the power
// analysis behind a pre-registered seed count). Normal-theory power with the tests' asymptotic
// relative efficiencies (Lehmann 1975, §5; Noether 1987, "Sample size determination for some
// common nonparametric tests"): a planning tool, stated as such, not an exact power.
#include <cmath>

#include "core/error.h"
#include "stats/stats.h"

namespace spikebench::stats {
namespace {

constexpr double kPi = 3.14159265358979323846;

double efficiency(const std::string& test) {
  if (test == "wilcoxon") return 3 / kPi;
  if (test == "sign" || test == "mcnemar") return 2 / kPi;
  if (test == "bootstrap") return 1;
  fail("power: unknown test '", test, "' (valid: sign, mcnemar, wilcoxon, bootstrap)");
}

}  // namespace

double normal_isf(double p) {
  if (!(p > 0 && p < 1)) fail("normal_isf: p must be in (0, 1), got ", p);
  double lo = -40, hi = 40;  // normal_sf is decreasing; bisection to double precision
  for (int i = 0; i < 200 && hi - lo > 1e-15 * std::max(1.0, std::abs(lo)); ++i) {
    const double mid = 0.5 * (lo + hi);
    (normal_sf(mid) > p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double min_attainable_p(const std::string& test, int64_t n, int64_t resamples) {
  efficiency(test);  // validates the name
  if (n <= 0) return 1;
  if (test == "bootstrap") return 1.0 / static_cast<double>(resamples + 1);
  if (test == "wilcoxon" && n > 50) {  // scipy's normal approximation: R+ = n(n+1)/2 at most
    const auto x = static_cast<double>(n);
    return normal_sf(std::sqrt(3 * x * (x + 1) / (2 * x + 1)));
  }
  return std::ldexp(1.0, -static_cast<int>(std::min<int64_t>(n, 1074)));
}

double minimum_detectable_effect(const std::string& test, double sd, int64_t n, double alpha,
                                 double power) {
  const double are = efficiency(test);
  if (n < 2 || !std::isfinite(sd) || !(alpha > 0 && alpha < 1)) return INFINITY;
  if (min_attainable_p(test, n) > alpha) return INFINITY;  // no effect reaches alpha
  return (normal_isf(alpha) + normal_isf(1 - power)) * sd / std::sqrt(static_cast<double>(n) * are);
}

int64_t pairs_needed(const std::string& test, double effect, double sd, double alpha,
                     double power) {
  const double are = efficiency(test);
  if (!(effect > 0) || !std::isfinite(effect) || !std::isfinite(sd)) return 0;
  const double z = normal_isf(alpha) + normal_isf(1 - power);
  auto n = static_cast<int64_t>(std::ceil(z * z * sd * sd / (effect * effect * are)));
  n = std::max<int64_t>(n, 2);
  while (min_attainable_p(test, n) > alpha) ++n;
  return n;
}

}  // namespace spikebench::stats
