// Check kind `paper_value`: the mean over the selected runs (seeds) is within rtol of the
// paper's number in baselines/paper.yaml; where the paper reports N/A (divergence), every
// selected run must have diverged.
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "suite/checks/check.h"
#include "suite/checks/runs.h"
#include "suite/config/yaml.h"

namespace spikebench::checks {
namespace {

class PaperValue : public Check {
 public:
  PaperValue(const config::Reader& spec, const std::string& where) : Check(spec, where) {
    require_keys(spec,
                 "{select: 'selector', metric: 'DATASET:REDUCTION', paper: 'dotted key in "
                 "paper.yaml', rtol: 'relative tolerance'}");
    if (spec.defined("select")) select_ = Selector::read(spec, "select");
    metric_ = spec.get<std::string>("metric", where_);
    validate_metric(metric_, where_);
    key_ = spec.get<std::string>("paper", where_);
    rtol_ = spec.get<double>("rtol", where_);
  }

  Result evaluate(Context& ctx) const override {
    Result r;
    const auto path = ctx.options.baselines_dir / "paper.yaml";
    const auto paper = config::lookup_scalar(path, key_);
    r.statistic = metric_ + " (mean over seeds) vs paper " + key_;
    r.tolerance = "rtol " + num(rtol_);
    if (!paper) return r.reason = "paper.yaml has no value '" + key_ + "'", r;
    const auto runs = select_runs(ctx.root, select_);
    if (runs.empty()) return r.reason = "no run matches", r;
    int64_t n_diverged = 0;
    double sum = 0;
    for (const auto& [name, g] : runs) {
      if (diverged(*g))
        ++n_diverged;
      else
        sum += metric(*g, metric_);
    }
    r.expected = *paper;
    if (*paper == "N/A") {
      r.actual = std::to_string(n_diverged) + "/" + std::to_string(runs.size()) + " diverged";
      r.verdict = n_diverged == static_cast<int64_t>(runs.size()) ? Verdict::pass : Verdict::fail;
      r.reason = "paper reports divergence (N/A)";
      return r;
    }
    if (n_diverged > 0) {
      r.actual = std::to_string(n_diverged) + " diverged";
      r.verdict = Verdict::fail;
      r.reason = "the paper reports a value; " + std::to_string(n_diverged) + " runs diverged";
      return r;
    }
    const double actual = sum / static_cast<double>(runs.size());
    const double p = config::number(*paper, path.string() + ": key '" + key_ + "'");
    r.actual = num(actual);
    const bool ok = std::isfinite(actual) && std::abs(actual - p) <= rtol_ * std::abs(p);
    r.verdict = ok ? Verdict::pass : Verdict::fail;
    return r;
  }

 private:
  Selector select_;
  std::string metric_, key_;
  double rtol_ = 0;
};

SPIKEBENCH_CHECK("paper_value", "mean over seeds within rtol of baselines/paper.yaml", PaperValue);

}  // namespace
}  // namespace spikebench::checks
