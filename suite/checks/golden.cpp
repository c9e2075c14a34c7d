// Check kind `golden`: per-run values against baselines/<scale>/<artifact>.yaml — the
// regression gate. Deterministic CPU runs reproduce them to rtol; `--update-golden` rewrites
// the file (deliberately, in a commit that says why). Not a claim: its verdict is not part of
// golden_verdicts or of the Holm family.
#include <cmath>

#include "core/error.h"
#include "suite/checks/check.h"
#include "suite/checks/runs.h"
#include "suite/config/yaml.h"

namespace spikebench::checks {
namespace {

class Golden : public Check {
 public:
  Golden(const YAML::Node& spec, const std::string& where) : Check(spec, where) {
    require_keys(spec,
                 "{select: 'selector', metric: 'DATASET:REDUCTION', rtol: 'relative tolerance', "
                 "atol: 'absolute tolerance'}");
    if (spec["select"]) select_ = YAML::Clone(spec["select"]);
    metric_ = config::get<std::string>(spec, "metric", where_);
    validate_metric(metric_, where_);
    rtol_ = config::get<double>(spec, "rtol", where_);
    if (spec["atol"]) atol_ = config::get<double>(spec, "atol", where_);
  }
  bool is_claim() const override { return false; }

  Result evaluate(Context& ctx) const override {
    Result r;
    const bool have_golden = ctx.golden.IsMap();
    std::vector<std::string> bad;
    const auto runs = select_runs(ctx.root, select_);
    for (const auto& [name, g] : runs) {
      const double v = metric(*g, metric_);
      ctx.new_golden["values"][name][metric_] = v;
      const YAML::Node want_node = have_golden && ctx.golden["values"] && ctx.golden["values"][name]
                                       ? ctx.golden["values"][name][metric_]
                                       : YAML::Node();
      if (!want_node.IsDefined() || want_node.IsNull()) {
        bad.push_back(name + ": no golden value");
        continue;
      }
      const double want = want_node.as<double>();
      const bool ok = (std::isnan(want) && std::isnan(v)) ||
                      std::abs(v - want) <= atol_ + rtol_ * std::abs(want);
      if (!ok) bad.push_back(name + ": " + num(v) + " vs golden " + num(want));
    }
    r.statistic = metric_ + " per run vs " + ctx.golden_path.filename().string();
    r.tolerance = "rtol " + num(rtol_) + ", atol " + num(atol_);
    r.expected = "golden values";
    r.actual =
        std::to_string(runs.size() - bad.size()) + "/" + std::to_string(runs.size()) + " match";
    if (runs.empty()) {
      r.reason = "no run matches";
    } else if (ctx.options.update_golden) {
      r.reason = "golden values rewritten from this run (--update-golden)";  // skip
    } else if (!have_golden) {
      r.verdict = Verdict::fail;  // a regression check without its reference cannot pass
      r.reason = "no golden file " + ctx.golden_path.string() + " (create it with --update-golden)";
    } else {
      r.verdict = bad.empty() ? Verdict::pass : Verdict::fail;
      r.reason = bad.empty() ? "all runs within tolerance" : join(bad, "; ");
    }
    return r;
  }

 private:
  YAML::Node select_;
  std::string metric_;
  double rtol_ = 0, atol_ = 0;
};

SPIKEBENCH_CHECK("golden", "per-run values vs baselines/<scale>/<artifact>.yaml (regression)",
                 Golden);

}  // namespace
}  // namespace spikebench::checks
