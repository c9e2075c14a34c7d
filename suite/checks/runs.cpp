#include "suite/checks/runs.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "core/error.h"
#include "stats/stats.h"
#include "suite/checks/reductions.h"
#include "suite/config/reader.h"

namespace spikebench::checks {

using results::Group;

Selector Selector::read(const config::Reader& spec, const std::string& key) {
  return Selector(spec.scalars(key), spec.flow(key));
}

bool Selector::fixes(const std::string& key) const {
  for (const auto& [k, v] : keys_)
    if (k == key) return true;
  return false;
}

bool Selector::matches(const RunAttrs& attrs) const {
  for (const auto& [key, want] : keys_) {
    auto it = attrs.find(key);
    if (it == attrs.end()) return false;
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
                                                              const Selector& select) {
  std::vector<std::pair<std::string, const Group*>> out;
  const Group* runs = root.find_group("runs");
  if (!runs) return out;
  for (const auto& [name, g] : runs->groups)
    if (select.matches(g->attrs)) out.emplace_back(name, g.get());
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

void validate_metric(const std::string& spec, const std::string& where) {
  parse_metric(spec, where);
}

double metric(const Group& run, const std::string& spec) {
  const Metric m = parse_metric(spec, "checks");
  if (!m.attribute.empty()) {
    if (!run.has_attr(m.attribute)) return NAN;
    try {
      return run.attr_number(m.attribute);
    } catch (const Error&) {
      return NAN;
    }
  }
  const auto* d = run.find_dataset(m.path);
  if (!d || d->values.empty()) return m.name == "count" ? 0.0 : NAN;  // a missing dataset
  return m.reduction->reduce({*d, m.path, run, m.k});
}

std::vector<Pair> make_pairs(const std::vector<Unit>& lower, const std::vector<Unit>& higher,
                             const Selector& lower_select, const Selector& higher_select,
                             const std::string& where) {
  // The pairing key: identity attributes that neither side fixes (usually seed, lr, size).
  std::vector<std::string> free;
  for (const auto& k : identity_keys())
    if (!lower_select.fixes(k) && !higher_select.fixes(k)) free.push_back(k);
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
