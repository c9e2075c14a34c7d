#include "suite/checks/checks.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <sstream>

#include "core/error.h"
#include "suite/config/yaml.h"

namespace spikebench::checks {
namespace {

namespace fs = std::filesystem;
using results::Group;

/// Runs under /runs whose attributes match every key of `select`.
std::vector<std::pair<std::string, const Group*>> select_runs(const Group& root,
                                                              const YAML::Node& select) {
  std::vector<std::pair<std::string, const Group*>> out;
  const Group* runs = root.find_group("runs");
  if (!runs) return out;
  for (const auto& [name, g] : runs->groups) {
    bool match = true;
    if (select && select.IsMap())
      for (const auto& kv : select) {
        const auto key = kv.first.as<std::string>();
        if (!g->has_attr(key)) {
          match = false;
          break;
        }
        const auto want = kv.second.as<std::string>();
        const auto& have = g->attrs.at(key);
        if (auto* d = std::get_if<double>(&have))
          match = std::abs(*d - std::stod(want)) <= 1e-12 * std::abs(*d);
        else
          match = results::to_string(have) == want;
        if (!match) break;
      }
    if (match) out.emplace_back(name, g.get());
  }
  return out;
}

double aggregate(const std::vector<double>& v, const std::string& how) {
  if (v.empty()) return NAN;
  if (how == "mean")
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  if (how == "min") return *std::min_element(v.begin(), v.end());
  if (how == "max") return *std::max_element(v.begin(), v.end());
  if (how == "median") {
    auto s = v;
    std::sort(s.begin(), s.end());
    return s.size() % 2 ? s[s.size() / 2] : 0.5 * (s[s.size() / 2 - 1] + s[s.size() / 2]);
  }
  fail("checks: unknown aggregate '", how, "' (valid: mean, min, max, median, each)");
}

std::string num(double x) {
  std::ostringstream os;
  os.precision(6);
  os << x;
  return os.str();
}

std::string join_nums(const std::vector<double>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + num(v[i]);
  return "[" + s + "]";
}

struct Result {
  std::string verdict = "skip", reason, expected, actual, tolerance, statistic;
};

/// Values of `metric` for the selected runs (NaN-free runs only; status must be ok unless
/// the check is about status).
std::vector<double> values(const Group& root, const YAML::Node& select, const std::string& m,
                           std::vector<std::string>* names = nullptr) {
  std::vector<double> out;
  for (const auto& [name, g] : select_runs(root, select)) {
    out.push_back(metric(*g, m));
    if (names) names->push_back(name);
  }
  return out;
}

Result check_range(const Group& root, const YAML::Node& c, const std::string& where) {
  Result r;
  const auto m = config::get<std::string>(c, "metric", where);
  const std::string how = c["aggregate"] ? c["aggregate"].as<std::string>() : "each";
  const double lo = c["min"] ? c["min"].as<double>() : -INFINITY;
  const double hi = c["max"] ? c["max"].as<double>() : INFINITY;
  auto v = values(root, c["select"], m);
  r.statistic = m + " (" + how + " over " + std::to_string(v.size()) + " runs)";
  r.expected = "[" + num(lo) + ", " + num(hi) + "]";
  if (v.empty()) return r.reason = "no run matches select " + config::flow(c["select"]), r;
  std::vector<double> tested = how == "each" ? v : std::vector<double>{aggregate(v, how)};
  r.actual = how == "each" ? join_nums(v) : num(tested[0]);
  bool ok = std::all_of(tested.begin(), tested.end(), [&](double x) { return x >= lo && x <= hi; });
  r.verdict = ok ? "pass" : "fail";
  r.reason = ok ? "within range" : "outside range";
  return r;
}

Result check_ordering(const Group& root, const YAML::Node& c, const std::string& where) {
  Result r;
  const auto m = config::get<std::string>(c, "metric", where);
  const std::string how = c["aggregate"] ? c["aggregate"].as<std::string>() : "mean";
  const double margin = c["margin"] ? c["margin"].as<double>() : 0.0;
  auto lower = values(root, c["lower"], m), higher = values(root, c["higher"], m);
  r.statistic = m + " (" + how + "), lower " + config::flow(c["lower"]) + " < higher " +
                config::flow(c["higher"]);
  r.expected = "lower + " + num(margin) + " < higher";
  if (lower.empty() || higher.empty()) return r.reason = "a side selects no run", r;
  const double a = aggregate(lower, how), b = aggregate(higher, how);
  r.actual = num(a) + " vs " + num(b);
  r.tolerance = num(margin);
  const bool ok = std::isfinite(a) && std::isfinite(b) && a + margin < b;
  r.verdict = ok ? "pass" : "fail";
  r.reason = ok ? "ordering holds" : "ordering does not hold";
  return r;
}

Result check_status(const Group& root, const YAML::Node& c, const std::string& where) {
  Result r;
  const auto want = config::get<std::string>(c, "expect", where);  // ok | diverged
  std::vector<std::string> statuses;
  for (const auto& [name, g] : select_runs(root, c["select"]))
    statuses.push_back(g->attr_string("status"));
  r.statistic = "run status";
  r.expected = want + " for every selected run";
  if (statuses.empty()) return r.reason = "no run matches", r;
  r.actual = join(statuses, ", ");
  bool ok = std::all_of(statuses.begin(), statuses.end(),
                        [&](const std::string& s) { return s.rfind(want, 0) == 0; });
  r.verdict = ok ? "pass" : "fail";
  return r;
}

YAML::Node load_yaml_or_null(const fs::path& p) {
  return fs::exists(p) ? config::load_file(p) : YAML::Node(YAML::NodeType::Undefined);
}

Result check_paper_value(const Group& root, const YAML::Node& c, const std::string& where,
                         const Options& o) {
  Result r;
  const auto m = config::get<std::string>(c, "metric", where);
  const auto key = config::get<std::string>(c, "paper", where);  // dotted path in paper.yaml
  const double rtol = config::get<double>(c, "rtol", where);
  YAML::Node node = load_yaml_or_null(o.baselines_dir / "paper.yaml");
  for (size_t pos = 0, next; node && pos <= key.size(); pos = next + 1) {
    next = key.find('.', pos);
    if (next == std::string::npos) next = key.size();
    node = node[key.substr(pos, next - pos)];
  }
  r.statistic = m + " (mean over seeds) vs paper " + key;
  r.tolerance = "rtol " + num(rtol);
  if (!node) return r.reason = "paper.yaml has no value '" + key + "'", r;
  auto v = values(root, c["select"], m);
  if (v.empty()) return r.reason = "no run matches", r;
  const double actual = aggregate(v, "mean");
  r.actual = num(actual);
  const auto paper = node.as<std::string>();
  r.expected = paper;
  if (paper == "N/A") {
    r.verdict = std::isfinite(actual) ? "fail" : "pass";
    r.reason = "paper reports divergence (N/A)";
    return r;
  }
  const double p = node.as<double>();
  const bool ok = std::isfinite(actual) && std::abs(actual - p) <= rtol * std::abs(p);
  r.verdict = ok ? "pass" : "fail";
  return r;
}

}  // namespace

double metric(const Group& run, const std::string& spec) {
  if (!spec.empty() && spec[0] == '@') {
    auto it = run.attrs.find(spec.substr(1));
    if (it == run.attrs.end()) return NAN;
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
  if (red == "first_over_last") return v[0] / v[static_cast<size_t>(d->cols() - 1)];
  if (red == "max_over_min") {
    auto [lo, hi] = std::minmax_element(v.begin(), v.begin() + d->cols());
    return *hi / *lo;
  }
  fail("checks: unknown reduction '", red, "' in metric '", spec, "'");
}

fs::path default_baselines_dir() {
  if (const char* env = std::getenv("SPIKEBENCH_BASELINES"); env && *env) return env;
  return fs::path(SPIKEBENCH_SOURCE_DIR) / "baselines";
}

std::vector<Outcome> evaluate(Group& root, const YAML::Node& expectations, const Options& o) {
  const std::string artifact = root.has_attr("artifact") ? root.attr_string("artifact") : "study";
  const std::string scale = root.has_attr("scale") ? root.attr_string("scale") : "cpu";
  const fs::path golden_path = o.baselines_dir / scale / (artifact + ".yaml");
  const YAML::Node golden = load_yaml_or_null(golden_path);
  const bool have_golden = golden.IsMap();
  YAML::Node new_golden;
  root.groups.erase("checks");
  Group& out = root.group("checks");
  std::vector<Outcome> outcomes;
  std::map<std::string, std::string> claim_verdicts;
  for (const auto& c : expectations) {
    const auto name = config::get<std::string>(c, "name", "expectation");
    const std::string where = "expectation '" + name + "'";
    const auto kind = config::get<std::string>(c, "kind", where);
    Result r;
    if (kind == "range" || kind == "ratio_range" || kind == "spike_count" || kind == "param_count")
      r = check_range(root, c, where);
    else if (kind == "ordering")
      r = check_ordering(root, c, where);
    else if (kind == "status")
      r = check_status(root, c, where);
    else if (kind == "paper_value")
      r = check_paper_value(root, c, where, o);
    else if (kind == "golden") {
      const auto m = config::get<std::string>(c, "metric", where);
      const double rtol = config::get<double>(c, "rtol", where);
      const double atol = c["atol"] ? c["atol"].as<double>() : 0.0;
      std::vector<std::string> names;
      auto v = values(root, c["select"], m, &names);
      r.statistic = m + " per run vs " + golden_path.filename().string();
      r.tolerance = "rtol " + num(rtol) + ", atol " + num(atol);
      std::vector<std::string> bad;
      for (size_t i = 0; i < v.size(); ++i) {
        new_golden["values"][names[i]][m] = v[i];
        const YAML::Node g = have_golden && golden["values"] && golden["values"][names[i]]
                                 ? golden["values"][names[i]][m]
                                 : YAML::Node();
        if (!g.IsDefined() || g.IsNull()) {
          bad.push_back(names[i] + ": no golden value");
          continue;
        }
        const double want = g.as<double>();
        const bool ok = (std::isnan(want) && std::isnan(v[i])) ||
                        std::abs(v[i] - want) <= atol + rtol * std::abs(want);
        if (!ok) bad.push_back(names[i] + ": " + num(v[i]) + " vs golden " + num(want));
      }
      r.expected = "golden values";
      r.actual = std::to_string(v.size() - bad.size()) + "/" + std::to_string(v.size()) + " match";
      if (v.empty())
        r.reason = "no run matches";
      else if (o.update_golden)
        r.reason = "golden values rewritten from this run (--update-golden)";  // skip
      else if (!have_golden) {
        r.verdict = "fail";  // a regression check without its reference cannot pass
        r.reason = "no golden file " + golden_path.string() + " (create it with --update-golden)";
      } else {
        r.verdict = bad.empty() ? "pass" : "fail";
        r.reason = bad.empty() ? "all runs within tolerance" : join(bad, "; ");
      }
    } else {
      fail(where, ": unknown kind '", kind,
           "' (valid: range, ratio_range, ordering, paper_value, spike_count, param_count, status, "
           "golden)");
    }
    if (c["why"]) r.reason += " — " + c["why"].as<std::string>();
    if (kind != "golden") claim_verdicts[name] = r.verdict;
    Group& g = out.group(name);
    g.attrs = {{"kind", kind},
               {"expected", r.expected},
               {"actual", r.actual},
               {"tolerance", r.tolerance},
               {"statistic", r.statistic},
               {"verdict", r.verdict},
               {"reason", r.reason}};
    outcomes.push_back({name, kind, r.verdict, r.reason});
  }
  // The claim verdicts are themselves regression-gated against the golden file.
  if (have_golden && golden["verdicts"] && !o.update_golden) {
    std::vector<std::string> changed;
    for (const auto& [name, verdict] : claim_verdicts) {
      const auto want = golden["verdicts"][name];
      if (want && want.as<std::string>() != verdict)
        changed.push_back(name + ": " + verdict + " (golden " + want.as<std::string>() + ")");
    }
    Result r;
    r.verdict = changed.empty() ? "pass" : "fail";
    r.reason = changed.empty() ? "every claim verdict equals the golden file" : join(changed, "; ");
    Group& g = out.group("golden_verdicts");
    g.attrs = {{"kind", std::string("golden_verdicts")},
               {"expected", golden_path.string()},
               {"actual", std::to_string(claim_verdicts.size()) + " verdicts"},
               {"tolerance", std::string("exact")},
               {"statistic", std::string("claim verdicts")},
               {"verdict", r.verdict},
               {"reason", r.reason}};
    outcomes.push_back({"golden_verdicts", "golden_verdicts", r.verdict, r.reason});
  }
  if (o.update_golden) {
    for (const auto& [name, verdict] : claim_verdicts) new_golden["verdicts"][name] = verdict;
    fs::create_directories(golden_path.parent_path());
    YAML::Emitter e;
    e << new_golden;
    const fs::path tmp = golden_path.string() + ".tmp";
    {
      std::ofstream f(tmp);
      f << "# Golden values for " << artifact << " at scale " << scale
        << ", written by `spikebench run --update-golden` from " << root.attr_string("git_sha")
        << " (" << root.attr_string("libtorch") << ", " << root.attr_string("device")
        << "). Change only deliberately, in a commit that says why.\n"
        << e.c_str() << "\n";
    }
    fs::rename(tmp, golden_path);
  }
  return outcomes;
}

}  // namespace spikebench::checks
