// The metric reductions (suite/checks/reductions.h). The curve helpers (largest_jump, recovery,
// after_event) are in runs.cpp, documented in runs.h.
#include "suite/checks/reductions.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "suite/checks/runs.h"

namespace spikebench::checks {
namespace {

using V = std::vector<double>;
bool is_curve(const Curve& c) { return c.data.shape.size() == 1; }

double value(const Curve& c) { return c.data.values.front(); }
double last(const Curve& c) { return c.data.shape.size() == 2 ? NAN : c.data.values.back(); }
double count(const Curve& c) { return static_cast<double>(c.data.rows()); }
double min(const Curve& c) { return *std::min_element(c.data.values.begin(), c.data.values.end()); }
double max(const Curve& c) { return *std::max_element(c.data.values.begin(), c.data.values.end()); }
double mean(const Curve& c) {
  const V& v = c.data.values;
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}
/// Max over the last 90 % of rows: skips the init transient and warmup.
double late_max(const Curve& c) {
  if (!is_curve(c)) return NAN;
  const V& v = c.data.values;
  return *std::max_element(v.begin() + static_cast<std::ptrdiff_t>(v.size() / 10), v.end());
}
double max_rise(const Curve& c) { return is_curve(c) ? largest_jump(c.data.values).rise : NAN; }
/// The update at which a curve is lowest: its `step` sibling there (valid/loss -> valid/step).
double step_of_min(const Curve& c) {
  const V& v = c.data.values;
  const auto slash = c.path.rfind('/');
  const auto* steps = c.run.find_dataset(c.path.substr(0, slash + 1) + "step");
  if (!is_curve(c) || !steps || steps->values.size() != v.size()) return NAN;
  const auto at = std::min_element(v.begin(), v.end()) - v.begin();
  return steps->values[static_cast<size_t>(at)];
}
/// Layer 1 / layer N at the first logged row.
double first_over_last(const Curve& c) {
  return c.data.values[0] / c.data.values[static_cast<size_t>(c.data.cols() - 1)];
}
double max_over_min(const Curve& c) {
  const V& v = c.data.values;
  auto [lo, hi] = std::minmax_element(v.begin(), v.begin() + c.data.cols());
  return *hi / *lo;
}
/// Max over rows [K, end) / [0, K) of a curve: after / before update K.
double max_from(const Curve& c) {
  if (!is_curve(c)) return NAN;
  const V& v = c.data.values;
  const auto lo = std::min<int64_t>(c.k, static_cast<int64_t>(v.size()));
  if (lo >= static_cast<int64_t>(v.size())) return NAN;
  return *std::max_element(v.begin() + lo, v.end());
}
double max_before(const Curve& c) {
  if (!is_curve(c)) return NAN;
  const V& v = c.data.values;
  const auto hi = std::min<int64_t>(c.k, static_cast<int64_t>(v.size()));
  if (hi <= 0) return NAN;
  return *std::max_element(v.begin(), v.begin() + hi);
}
double rise_after(const Curve& c) {
  return is_curve(c) ? after_event(c.data.values, "rise_after_", c.k) : NAN;
}
double ratio_after(const Curve& c) {
  return is_curve(c) ? after_event(c.data.values, "ratio_after_", c.k) : NAN;
}
double recovery_after(const Curve& c) {
  return is_curve(c) ? after_event(c.data.values, "recovery_after_", c.k) : NAN;
}
double recovery_p(const Curve& c) {
  return is_curve(c) ? recovery(c.data.values, static_cast<double>(c.k) / 100) : NAN;
}

constexpr const char* kEvent = "an event update K >= 1 (updates before it are the baseline)";
constexpr int64_t kMaxK = 999999999;

}  // namespace

SPIKEBENCH_REDUCTION("value", "the first value (a scalar's value)", &value);
SPIKEBENCH_REDUCTION("first", "the first value", &value);
SPIKEBENCH_REDUCTION("last", "the last value of a curve", &last);
SPIKEBENCH_REDUCTION("count", "rows (0 when the dataset is missing)", &count);
SPIKEBENCH_REDUCTION("min", "the smallest value", &min);
SPIKEBENCH_REDUCTION("max", "the largest value", &max);
SPIKEBENCH_REDUCTION("mean", "the mean of the values", &mean);
SPIKEBENCH_REDUCTION("late_max", "max over the last 90 % of rows (skips the init transient)",
                     &late_max);
SPIKEBENCH_REDUCTION("max_rise", "the largest jump above the running minimum", &max_rise);
SPIKEBENCH_REDUCTION("step_of_min", "the sibling `step` at the curve's minimum", &step_of_min);
SPIKEBENCH_REDUCTION("first_over_last", "layer 1 / layer N at the first logged row",
                     &first_over_last);
SPIKEBENCH_REDUCTION("max_over_min", "max / min over the first row's layers", &max_over_min);
SPIKEBENCH_REDUCTION("max_from_K", "max over rows K.. (after update K)", &max_from, 0, kMaxK,
                     "a row K >= 0");
SPIKEBENCH_REDUCTION("max_before_K", "max over rows ..K-1 (before update K)", &max_before, 0, kMaxK,
                     "a row K >= 0");
SPIKEBENCH_REDUCTION("rise_after_K", "the rise after an event at update K (after_event)",
                     &rise_after, 1, kMaxK, kEvent);
SPIKEBENCH_REDUCTION("ratio_after_K", "max of rows K..K+10 over the level before K", &ratio_after,
                     1, kMaxK, kEvent);
SPIKEBENCH_REDUCTION("recovery_after_K", "updates from K until back within 10 % of the rise",
                     &recovery_after, 1, kMaxK, kEvent);
SPIKEBENCH_REDUCTION("recovery_P", "rows to come back within P % of the largest jump", &recovery_p,
                     1, 100, "a margin P in [1, 100] (% of the jump)");

Metric parse_metric(const std::string& spec, const std::string& where) {
  if (spec.empty()) fail(where, ": key 'metric' is empty");
  Metric m;
  m.spec = spec;
  if (spec[0] == '@') return m.attribute = spec.substr(1), m;
  const auto colon = spec.find(':');
  m.path = spec.substr(0, colon);
  const std::string red = colon == std::string::npos ? "value" : spec.substr(colon + 1);
  const auto& all = Registry<Reduction>::instance().entries();
  if (auto it = all.find(red); it != all.end() && it->second.k_min < 0)
    return m.reduction = &it->second, m.name = red, m;
  // A family: the longest name whose stem (the name less its parameter letter) starts `red`
  // and is followed by digits ("recovery_after_12" is recovery_after_K, not recovery_P).
  size_t stem_length = 0;
  for (const auto& [name, r] : all) {
    const std::string stem = name.substr(0, name.size() - 1);
    if (r.k_min < 0 || red.size() <= stem.size() || red.rfind(stem, 0) != 0 ||
        stem.size() <= stem_length)
      continue;
    const std::string digits = red.substr(stem.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    m.reduction = &r, m.name = name, m.k = std::stoll(digits), stem_length = stem.size();
  }
  if (!m.reduction)
    fail(where, ": key 'metric': unknown reduction '", red, "' in '", spec,
         "' (valid: ", join(Registry<Reduction>::instance().names(), ", "), ")");
  if (m.k < m.reduction->k_min || m.k > m.reduction->k_max)
    fail(where, ": key 'metric': '", red, "' (", m.name, ") needs ", m.reduction->k_rule);
  return m;
}

}  // namespace spikebench::checks
