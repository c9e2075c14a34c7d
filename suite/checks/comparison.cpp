#include "suite/checks/comparison.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.h"
#include "suite/checks/lr_sensitivity.h"
#include "suite/checks/runs.h"

namespace spikebench::checks {
namespace {

constexpr const char* kLoss = "valid/loss:last";

struct RunRow {
  std::string method;
  int64_t seed;
  double lr, loss, loss_spikes, grad_spikes;
  bool diverged;
};

std::vector<RunRow> rows_of(const results::Group& root, std::string& size) {
  std::vector<RunRow> rows;
  std::set<std::string> sizes;
  for (const auto& [name, g] : select_runs(root)) {
    sizes.insert(g->attr_string("size"));
    const bool div = diverged(*g);
    rows.push_back({g->attr_string("method"), static_cast<int64_t>(g->attr_number("seed")),
                    g->attrs.count("lr") ? g->attr_number("lr") : NAN,
                    div ? INFINITY : metric(*g, kLoss), metric(*g, "@loss_spike_score"),
                    metric(*g, "@grad_spike_score"), div});
  }
  if (sizes.size() > 1)
    fail("compare: the study has runs at ", sizes.size(), " sizes; compare one size at a time");
  size = sizes.empty() ? "" : *sizes.begin();
  return rows;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  int64_t n = 0;
  for (double x : v)
    if (std::isfinite(x)) s += x, ++n;
  return n ? s / static_cast<double>(n) : NAN;
}

/// Both one-sided Wilcoxon tests of method − baseline over pairs keyed by seed.
PairedTest paired(const std::string& method, const std::string& baseline,
                  const std::string& metric_name, double lr, const std::map<int64_t, double>& a,
                  const std::map<int64_t, double>& b) {
  PairedTest t;
  t.method = method, t.baseline = baseline, t.metric = metric_name, t.lr = lr;
  std::vector<double> d, finite;
  for (const auto& [seed, x] : a) {
    const auto it = b.find(seed);
    if (it == b.end()) continue;
    const double y = it->second;
    if (std::isnan(x) || std::isnan(y)) continue;  // missing data: no pair
    // A diverged run (inf) ranks worst; two diverged runs tie (difference 0, dropped).
    const double diff = std::isinf(x) && std::isinf(y) ? 0.0 : x - y;
    d.push_back(diff);
    if (std::isfinite(diff)) finite.push_back(diff);
  }
  t.n = static_cast<int64_t>(d.size());
  t.mean_diff = mean_of(finite);
  if (t.n == 0) {  // nothing to test: NaN p-values, so the test does not count in Holm's m
    t.p_lower = t.p_higher = t.p_two_sided = NAN;
    return t;
  }
  t.p_lower = stats::wilcoxon(d, stats::Alternative::less).p_value;
  t.p_higher = stats::wilcoxon(d, stats::Alternative::greater).p_value;
  t.p_two_sided = std::min(1.0, 2 * std::min(t.p_lower, t.p_higher));
  return t;
}

}  // namespace

Comparison compare_methods(const results::Group& root, const std::vector<std::string>& baselines,
                           const std::vector<std::string>& method_order) {
  Comparison c;
  const auto rows = rows_of(root, c.size);
  std::set<double> lrs;
  for (const auto& r : rows)
    if (std::isfinite(r.lr)) lrs.insert(r.lr);
  c.lrs.assign(lrs.begin(), lrs.end());
  for (const auto& b : baselines)
    if (std::find(method_order.begin(), method_order.end(), b) == method_order.end())
      fail("compare: --baseline '", b,
           "' is not a method of the study (methods: ", join(method_order, ", "), ")");
  // Per-method summaries.
  const auto sweeps = lr_sweeps(root);
  std::map<std::string, std::map<int64_t, double>> sensitivity;  // method → seed → value
  for (const auto& s : sweeps) sensitivity[s.method][s.seed] = s.sensitivity;
  // method → lr → seed → final loss (inf when diverged)
  std::map<std::string, std::map<double, std::map<int64_t, double>>> loss;
  for (const auto& name : method_order) {
    MethodSummary m;
    m.method = name;
    std::set<int64_t> seeds;
    std::vector<double> ls, gs;
    for (const auto& r : rows) {
      if (r.method != name) continue;
      ++m.runs;
      m.diverged += r.diverged;
      seeds.insert(r.seed);
      ls.push_back(r.loss_spikes);
      gs.push_back(r.grad_spikes);
      const double lr = std::isfinite(r.lr) ? r.lr : 0.0;
      loss[name][lr][r.seed] = r.loss;
      m.diverged_at[lr] += r.diverged;
      if (std::isfinite(r.loss)) m.final_loss[lr].push_back(r.loss);
    }
    m.seeds = static_cast<int64_t>(seeds.size());
    m.loss_spike_score = mean_of(ls);
    m.grad_spike_score = mean_of(gs);
    for (const auto& [seed, v] : sensitivity[name]) m.sensitivity.push_back(v);
    m.sensitivity_mean = mean_of(m.sensitivity);
    for (const auto& [lr, v] : m.final_loss)
      if (!v.empty()) m.final_loss_ci[lr] = stats::bootstrap_mean(v);
    c.methods.push_back(std::move(m));
  }
  // Paired tests against each baseline; Holm within each (baseline, metric, lr) family.
  for (size_t bi = 0; bi < baselines.size(); ++bi)
    for (const auto& name : method_order) {
      const auto& b = baselines[bi];
      const auto earlier = baselines.begin() + static_cast<std::ptrdiff_t>(bi);
      if (name == b || std::find(baselines.begin(), earlier, name) != earlier) continue;
      if (!sensitivity[name].empty())
        c.tests.push_back(
            paired(name, b, "lr_sensitivity", NAN, sensitivity[name], sensitivity[b]));
      for (const auto& [lr, by_seed] : loss[name])
        c.tests.push_back(paired(name, b, kLoss, lr == 0.0 ? NAN : lr, by_seed, loss[b][lr]));
    }
  std::map<std::string, std::vector<size_t>> families;  // (baseline, metric, lr) → tests
  for (size_t i = 0; i < c.tests.size(); ++i) {
    const auto& t = c.tests[i];
    families[t.baseline + "|" + t.metric + "|" + num(t.lr)].push_back(i);
  }
  for (const auto& [key, members] : families) {
    std::vector<double> p;
    for (size_t i : members) p.push_back(c.tests[i].p_two_sided);
    const auto adj = stats::holm(p);
    for (size_t k = 0; k < members.size(); ++k) {
      auto& t = c.tests[members[k]];
      t.p_adjusted = adj[k];
      t.verdict = std::isnan(t.p_adjusted)  ? "no pairs"
                  : t.p_adjusted > c.alpha  ? "inconclusive"
                  : t.p_lower <= t.p_higher ? "lower"
                                            : "higher";
    }
  }
  return c;
}

}  // namespace spikebench::checks
