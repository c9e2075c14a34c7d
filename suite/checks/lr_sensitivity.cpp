#include "suite/checks/lr_sensitivity.h"

#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "suite/checks/runs.h"
#include "stats/stats.h"

namespace spikebench::checks {
namespace {

using Key = std::tuple<std::string, std::string, int64_t>;  // method, size, seed

std::string attr_text(const RunAttrs& a, const char* key) {
  auto it = a.find(key);
  return it == a.end() ? std::string() : results::to_string(it->second);
}

template <typename Visit>
std::vector<LrSweep> group(const std::vector<const RunAttrs*>& runs, Visit visit) {
  std::map<Key, LrSweep> sweeps;
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto& a = *runs[i];
    auto lr = a.find("lr");
    if (lr == a.end() || !std::holds_alternative<double>(lr->second)) continue;
    auto seed_it = a.find("seed");
    const int64_t seed = seed_it != a.end() && std::holds_alternative<int64_t>(seed_it->second)
                             ? std::get<int64_t>(seed_it->second)
                             : 0;
    auto& s = sweeps[Key{attr_text(a, "method"), attr_text(a, "size"), seed}];
    s.method = attr_text(a, "method"), s.size = attr_text(a, "size"), s.seed = seed;
    s.lrs.push_back(std::get<double>(lr->second));
    visit(i, s);
  }
  std::vector<LrSweep> out;
  for (auto& [k, s] : sweeps)
    if (std::set<double>(s.lrs.begin(), s.lrs.end()).size() >= 2) out.push_back(std::move(s));
  return out;
}

}  // namespace

double critical_lr(const std::vector<double>& lrs, const std::vector<bool>& diverged) {
  std::map<double, bool> by_lr;  // lr -> any run at it diverged
  for (size_t i = 0; i < lrs.size(); ++i) by_lr[lrs[i]] = by_lr[lrs[i]] || diverged[i];
  double stable = 0;
  for (const auto& [lr, failed] : by_lr) {
    if (failed) break;
    stable = lr;
  }
  return stable;
}

std::vector<LrSweep> lr_sweeps(const results::Group& root) {
  const auto runs = select_runs(root);
  std::vector<const RunAttrs*> attrs;
  for (const auto& [name, g] : runs) attrs.push_back(&g->attrs);
  const double above = root.has_attr("lr_failed_above") ? root.attr_number("lr_failed_above") : NAN;
  auto sweeps = group(attrs, [&](size_t i, LrSweep& s) {
    const auto& g = *runs[i].second;
    s.losses.push_back(metric(g, kLrLossMetric));
    s.diverged.push_back(diverged(g));
    s.failed.push_back(diverged(g) || (!std::isnan(above) && !(s.losses.back() <= above)));
    const double init = metric(g, kLrInitMetric);
    if (std::isfinite(init)) s.loss_init = init;  // equal across lrs of one seed
  });
  for (auto& s : sweeps) {
    if (std::isfinite(s.loss_init))
      s.sensitivity = stats::lr_sensitivity(s.losses, s.diverged, s.loss_init);
    s.critical_lr = critical_lr(s.lrs, s.failed);
  }
  return sweeps;
}

std::vector<LrSweep> planned_lr_sweeps(const std::vector<RunAttrs>& planned) {
  std::vector<const RunAttrs*> attrs;
  for (const auto& a : planned) attrs.push_back(&a);
  return group(attrs, [](size_t, LrSweep&) {});
}

void write_lr_sensitivity(results::Group& root) {
  if (auto* summary = root.groups.count("summary") ? root.groups["summary"].get() : nullptr)
    summary->groups.erase("lr_sensitivity");
  const auto sweeps = lr_sweeps(root);
  if (sweeps.empty()) return;
  std::set<std::string> sizes;
  for (const auto& s : sweeps) sizes.insert(s.size);
  for (const auto& s : sweeps) {
    auto& g = root.group("summary/lr_sensitivity/" + s.method +
                         (sizes.size() > 1 ? "-" + s.size : std::string()));
    g.dataset("seed").integer = true;
    g.dataset("seed").append(static_cast<double>(s.seed));
    g.dataset("value").append(s.sensitivity);
    g.dataset("critical_lr").append(s.critical_lr);
    g.attrs["method"] = s.method;
    g.attrs["size"] = s.size;
    g.attrs["metric"] = std::string(kLrLossMetric);
    g.attrs["init_metric"] = std::string(kLrInitMetric);
    g.attrs["critical_lr_failed"] = root.has_attr("lr_failed_above")
                                        ? "diverged or " + std::string(kLrLossMetric) + " > " +
                                              num(root.attr_number("lr_failed_above"))
                                        : std::string("diverged");
    std::string lrs;
    for (double lr : std::set<double>(s.lrs.begin(), s.lrs.end()))
      lrs += (lrs.empty() ? "" : ", ") + num(lr);
    g.attrs["lrs"] = lrs;
    const auto& v = g.dataset("value").values;
    double sum = 0;
    for (double x : v) sum += x;
    g.attrs["mean"] = sum / static_cast<double>(v.size());
  }
}

}  // namespace spikebench::checks
