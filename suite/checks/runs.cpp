#include "suite/checks/runs.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "core/error.h"
#include "suite/config/yaml.h"
#include "stats/stats.h"

namespace spikebench::checks {

using results::Group;

bool matches(const RunAttrs& attrs, const YAML::Node& select) {
  if (!select || !select.IsMap()) return true;
  for (const auto& kv : select) {
    const auto key = kv.first.as<std::string>();
    auto it = attrs.find(key);
    if (it == attrs.end()) return false;
    const auto want = kv.second.as<std::string>();
    if (auto* d = std::get_if<double>(&it->second)) {
      double w = NAN;
      try {
        w = std::stod(want);
      } catch (const std::exception&) {
        return false;
      }
      if (std::abs(*d - w) > 1e-12 * std::abs(*d)) return false;
    } else if (results::to_string(it->second) != want) {
      return false;
    }
  }
  return true;
}

std::vector<std::pair<std::string, const Group*>> select_runs(const Group& root,
                                                              const YAML::Node& select) {
  std::vector<std::pair<std::string, const Group*>> out;
  const Group* runs = root.find_group("runs");
  if (!runs) return out;
  for (const auto& [name, g] : runs->groups)
    if (matches(g->attrs, select)) out.emplace_back(name, g.get());
  return out;
}

Jump largest_jump(const std::vector<double>& v) {
  Jump j;
  double low = INFINITY;  // running minimum of the finite values before row t
  for (size_t t = 0; t < v.size(); ++t) {
    if (std::isnan(v[t])) continue;
    if (std::isfinite(low) && v[t] - low > j.rise) j.rise = v[t] - low, j.row = t, j.floor = low;
    low = std::min(low, v[t]);
  }
  return j;
}

double recovery(const std::vector<double>& v, double margin) {
  const Jump j = largest_jump(v);
  if (!(j.rise > 0)) return 0;  // nothing rose
  if (!std::isfinite(j.rise)) return INFINITY;
  const double target = j.floor + margin * j.rise;
  for (size_t t = j.row + 1; t < v.size(); ++t)
    if (v[t] <= target) return static_cast<double>(t - j.row);
  return INFINITY;  // not back by the end of the run: ranks worst
}

double after_event(const std::vector<double>& v, const std::string& kind, int64_t k) {
  const auto n = static_cast<int64_t>(v.size());
  if (k < 1 || k + 1 >= n) return NAN;  // no update before the event, or none after it
  std::vector<double> before;           // the (up to) 8 finite values before update K
  for (int64_t t = std::max<int64_t>(0, k - 8); t < k; ++t)
    if (std::isfinite(v[t])) before.push_back(v[t]);
  if (before.empty()) return NAN;
  const double base = stats::median(std::move(before));
  // The largest value in rows [from, to): a non-finite one (a blow-up) is +inf, NaN is skipped.
  auto peak = [&](int64_t from, int64_t to, int64_t* at) {
    double p = -INFINITY;
    for (int64_t t = from; t < std::min(to, n); ++t) {
      const double x = std::isinf(v[t]) ? INFINITY : v[t];
      if (x > p) p = x, *at = t;
    }
    return p;
  };
  int64_t at = k + 1;
  if (kind == "ratio_after_") return peak(k, k + 11, &at) / base;  // rows K..K+10
  const double top = peak(k + 1, n, &at), rise = top - base;
  if (kind == "rise_after_") return rise;
  // recovery_after_: updates from K until, after the peak, the curve is back within 10 % of the
  // rise above the level before K; 0 when nothing rose, +inf when it never came back.
  if (!(rise > 0)) return 0;
  if (!std::isfinite(rise)) return INFINITY;
  for (int64_t t = at + 1; t < n; ++t)
    if (v[t] <= base + 0.1 * rise) return static_cast<double>(t - k);
  return INFINITY;
}

bool diverged(const Group& run) {
  return run.has_attr("status") && run.attr_string("status").rfind("diverged", 0) == 0;
}

namespace {
const std::set<std::string>& reductions() {
  static const std::set<std::string> r = {
      "value",    "first",           "last",         "count",    "min",        "max", "mean",
      "late_max", "first_over_last", "max_over_min", "max_rise", "step_of_min"};
  return r;
}
}  // namespace

namespace {
/// "max_from_K" / "max_before_K": the max over rows [K, end) / [0, K) of a curve. K >= 0.
/// "recovery_P": updates to recover from the largest jump, margin P % of the jump (below).
/// "rise_after_K", "ratio_after_K", "recovery_after_K": the response to an event at update K
/// (an injected spike: after_event below). Longer prefixes first: "recovery_after_" before
/// "recovery_".
bool row_window(const std::string& red, std::string* kind, int64_t* k) {
  for (const char* prefix : {"max_from_", "max_before_", "rise_after_", "ratio_after_",
                             "recovery_after_", "recovery_"}) {
    const std::string p = prefix;
    if (red.rfind(p, 0) != 0 || red.size() == p.size()) continue;
    const std::string digits = red.substr(p.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9)
      return false;
    *kind = p, *k = std::stoll(digits);
    return true;
  }
  return false;
}
}  // namespace

void validate_metric(const std::string& spec, const std::string& where) {
  if (spec.empty()) fail(where, ": key 'metric' is empty");
  if (spec[0] == '@') return;
  const auto colon = spec.find(':');
  const std::string red = colon == std::string::npos ? "value" : spec.substr(colon + 1);
  std::string kind;
  int64_t k = 0;
  if (!reductions().count(red) && !row_window(red, &kind, &k))
    fail(where, ": key 'metric': unknown reduction '", red, "' in '", spec, "' (valid: ",
         join(std::vector<std::string>(reductions().begin(), reductions().end()), ", "),
         ", max_from_K, max_before_K, recovery_P, rise_after_K, ratio_after_K, recovery_after_K)");
  if (kind.find("_after_") != std::string::npos && k < 1)
    fail(where, ": key 'metric': '", red,
         "' needs an event update K >= 1 (updates before it are the baseline)");
  if (kind == "recovery_" && (k < 1 || k > 100))
    fail(where, ": key 'metric': recovery_P needs a margin P in [1, 100] (% of the jump), got '",
         red, "'");
}

double metric(const Group& run, const std::string& spec) {
  if (!spec.empty() && spec[0] == '@') {
    if (!run.has_attr(spec.substr(1))) return NAN;
    try {
      return run.attr_number(spec.substr(1));
    } catch (const Error&) {
      return NAN;
    }
  }
  const auto colon = spec.find(':');
  const std::string path = spec.substr(0, colon);
  const std::string red = colon == std::string::npos ? "value" : spec.substr(colon + 1);
  const auto* d = run.find_dataset(path);
  if (!d || d->values.empty()) return red == "count" ? 0.0 : NAN;
  const auto& v = d->values;
  if (red == "value" || red == "first") return v.front();
  if (red == "last") return d->shape.size() == 2 ? NAN : v.back();
  if (red == "count") return static_cast<double>(d->rows());
  if (red == "min") return *std::min_element(v.begin(), v.end());
  if (red == "max") return *std::max_element(v.begin(), v.end());
  if (red == "late_max") {  // max over the last 90% of rows: skips the init transient and warmup
    if (d->shape.size() != 1) return NAN;
    return *std::max_element(v.begin() + static_cast<std::ptrdiff_t>(v.size() / 10), v.end());
  }
  if (red == "mean")
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  if (red == "max_rise") return d->shape.size() == 1 ? largest_jump(v).rise : NAN;
  if (red == "step_of_min") {  // the update at which a curve is lowest: its `step` sibling there
    const auto slash = path.rfind('/');
    const auto* steps = run.find_dataset(path.substr(0, slash + 1) + "step");
    if (d->shape.size() != 1 || !steps || steps->values.size() != v.size()) return NAN;
    const auto at = std::min_element(v.begin(), v.end()) - v.begin();
    return steps->values[static_cast<size_t>(at)];
  }
  std::string kind;
  int64_t k = 0;
  if (row_window(red, &kind, &k)) {  // rows of a curve: a row per logged update
    if (d->shape.size() != 1) return NAN;
    if (kind == "recovery_") return recovery(v, static_cast<double>(k) / 100);
    if (kind.find("_after_") != std::string::npos) return after_event(v, kind, k);
    const auto n = static_cast<int64_t>(v.size()), lo = kind == "max_from_" ? std::min(k, n) : 0;
    const auto hi = kind == "max_from_" ? n : std::min(k, n);
    if (lo >= hi) return NAN;
    return *std::max_element(v.begin() + lo, v.begin() + hi);
  }
  if (red == "first_over_last") return v[0] / v[static_cast<size_t>(d->cols() - 1)];
  if (red == "max_over_min") {
    auto [lo, hi] = std::minmax_element(v.begin(), v.begin() + d->cols());
    return *hi / *lo;
  }
  fail("checks: unknown reduction '", red, "' in metric '", spec, "'");
}

std::vector<Pair> make_pairs(const std::vector<Unit>& lower, const std::vector<Unit>& higher,
                             const YAML::Node& lower_select, const YAML::Node& higher_select,
                             const std::string& where) {
  // The pairing key: identity attributes that neither side fixes (usually seed, lr, size).
  std::vector<std::string> free;
  for (const auto& k : identity_keys())
    if (!(lower_select && lower_select[k]) && !(higher_select && higher_select[k]))
      free.push_back(k);
  auto key_of = [&](const Unit& u) {
    std::string key;
    for (const auto& k : free) {
      auto it = u.attrs.find(k);
      key +=
          k + "=" + (it == u.attrs.end() ? std::string("-") : results::to_string(it->second)) + ";";
    }
    return key;
  };
  auto index = [&](const std::vector<Unit>& units, const char* side) {
    std::map<std::string, const Unit*> m;
    for (const auto& u : units)
      if (!m.emplace(key_of(u), &u).second)
        fail(where, ": key '", side, "' selects two runs for one pair (", m[key_of(u)]->name, ", ",
             u.name, "); name the attribute that tells them apart");
    return m;
  };
  const auto lo = index(lower, "lower"), hi = index(higher, "higher");
  std::vector<Pair> out;
  for (const auto& [key, u] : lo)
    if (auto it = hi.find(key); it != hi.end()) out.push_back({u, it->second});
  return out;
}

std::string num(double x) {
  std::ostringstream os;
  os.precision(6);
  os << x;
  return os.str();
}

}  // namespace spikebench::checks
