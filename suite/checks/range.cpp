// Check kinds `range` (aliases ratio_range, spike_count, param_count): each selected run's
// metric (or an aggregate over them) lies in [min, max]. Diverged runs are left out by default
// and counted in the reason; a check whose runs all diverged is inconclusive, not computed on
// the stub of a curve.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "suite/checks/check.h"
#include "suite/checks/runs.h"
#include "suite/config/yaml.h"
#include "stats/stats.h"

namespace spikebench::checks {
namespace {

const char* kKeys = R"KEYS(
select: "selector of the runs"
metric: "DATASET:REDUCTION or @ATTR"
min: "lower bound (default -inf)"
max: "upper bound (default +inf)"
aggregate: "each (default) | mean | min | max | median"
relative_to: "a run attribute (@ATTR) the metric is divided by before the range test"
diverged: "exclude (default) | include"
)KEYS";

double aggregate(std::vector<double> v, const std::string& how) {
  if (how == "mean")
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  if (how == "min") return *std::min_element(v.begin(), v.end());
  if (how == "max") return *std::max_element(v.begin(), v.end());
  return stats::median(std::move(v));
}

class Range : public Check {
 public:
  Range(const config::Reader& spec, const std::string& where) : Check(spec, where) {
    require_keys(spec, kKeys);
    if (spec.defined("select")) select_ = Selector::read(spec, "select");
    metric_ = spec.get<std::string>("metric", where_);
    validate_metric(metric_, where_);
    if (spec.defined("min")) lo_ = spec.get<double>("min", where_);
    if (spec.defined("max")) hi_ = spec.get<double>("max", where_);
    if (lo_ > hi_) fail(where_, ": key 'min' is above 'max'");
    if (spec.defined("aggregate")) how_ = spec.get<std::string>("aggregate", where_);
    if (spec.defined("relative_to")) {
      relative_to_ = spec.get<std::string>("relative_to", where_);
      if (relative_to_.empty() || relative_to_[0] != '@')
        fail(where_, ": key 'relative_to' must name a run attribute, e.g. '@theory_ffn_std'");
    }
    if (how_ != "each" && how_ != "mean" && how_ != "min" && how_ != "max" && how_ != "median")
      fail(where_, ": key 'aggregate': unknown '", how_, "' (valid: each, mean, min, max, median)");
    if (spec.defined("diverged")) {
      const auto rule = spec.get<std::string>("diverged", where_);
      if (rule != "exclude" && rule != "include")
        fail(where_, ": key 'diverged': unknown rule '", rule, "' (valid: exclude, include)");
      include_diverged_ = rule == "include";
    }
  }

  Result evaluate(Context& ctx) const override {
    Result r;
    std::vector<double> v;
    int64_t excluded = 0;
    const auto runs = select_runs(ctx.root, select_);
    for (const auto& [name, g] : runs) {
      if (diverged(*g) && !include_diverged_) {
        ++excluded;
        continue;
      }
      v.push_back(metric(*g, metric_) / (relative_to_.empty() ? 1.0 : metric(*g, relative_to_)));
    }
    r.statistic = metric_ + (relative_to_.empty() ? "" : " / " + relative_to_) + " (" + how_ +
                  " over " + std::to_string(v.size()) + " runs" +
                  (excluded ? ", " + std::to_string(excluded) + " diverged excluded" : "") + ")";
    r.expected = "[" + num(lo_) + ", " + num(hi_) + "]";
    if (runs.empty()) return r.reason = "no run matches select " + select_.text(), r;
    if (v.empty()) {
      r.verdict = Verdict::inconclusive;
      r.reason = "all " + std::to_string(excluded) + " selected runs diverged";
      return r;
    }
    const std::vector<double> tested = how_ == "each" ? v : std::vector<double>{aggregate(v, how_)};
    std::string actual;
    for (double x : tested) actual += (actual.empty() ? "" : ", ") + num(x);
    r.actual = how_ == "each" ? "[" + actual + "]" : actual;
    const bool ok =
        std::all_of(tested.begin(), tested.end(), [&](double x) { return x >= lo_ && x <= hi_; });
    r.verdict = ok ? Verdict::pass : Verdict::fail;
    r.reason = ok ? "within range" : "outside range";
    return r;
  }

 private:
  Selector select_;
  std::string metric_, how_ = "each", relative_to_;
  double lo_ = -INFINITY, hi_ = INFINITY;
  bool include_diverged_ = false;
};

SPIKEBENCH_CHECK("range", "each selected run's metric (or an aggregate) lies in [min, max]", Range);
SPIKEBENCH_CHECK("ratio_range", "alias of range", Range);
SPIKEBENCH_CHECK("spike_count", "alias of range (for spikes/*:count metrics)", Range);
SPIKEBENCH_CHECK("param_count", "alias of range (for @params)", Range);

}  // namespace
}  // namespace spikebench::checks
