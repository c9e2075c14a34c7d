// Check kind `golden`: per-run values against baselines/<scale>/<artifact>.yaml — the
// regression gate. Deterministic CPU runs reproduce them to `rtol` on the machine the golden
// file records (suite/machine.h); on another CPU, instruction set, LibTorch or ISA pinning the
// summation order changes and a training proxy amplifies it, so there the declared
// `cross_cpu_rtol` applies (README, "Other CPUs"), and the reason says which comparison ran. A
// regime whose values differ by machine keeps one file per machine (checks::golden_file).
// `--update-golden` rewrites the file (deliberately, in a commit that says why). Not a claim: its
// verdict is not part of golden_verdicts or of the Holm family.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "suite/checks/check.h"
#include "suite/checks/runs.h"
#include "suite/config/yaml.h"
#include "suite/machine.h"

namespace spikebench::checks {
namespace {

/// "" when `root` was produced on the machine `golden` records, else what differs. A key the
/// golden file does not record (the CPU model of files written before the record existed)
/// does not count; a golden file without a record never matches.
std::string machine_difference(const config::GoldenFile& golden, const results::Group& root) {
  if (!golden.has_machine) return "the golden file records no machine";
  std::vector<std::string> diff;
  for (const auto& key : machine_keys()) {
    const auto m = std::find_if(golden.machine.begin(), golden.machine.end(),
                                [&](const auto& kv) { return kv.first == key; });
    if (m == golden.machine.end()) continue;
    const std::string& want = m->second;
    const std::string here = root.has_attr(key) ? root.attr_string(key) : "(not recorded)";
    if (here != want) diff.push_back(key + " '" + here + "', golden '" + want + "'");
  }
  return join(diff, "; ");
}

class Golden : public Check {
 public:
  Golden(const config::Reader& spec, const std::string& where) : Check(spec, where) {
    require_keys(spec,
                 "{select: 'selector', metric: 'DATASET:REDUCTION', rtol: 'relative tolerance', "
                 "atol: 'absolute tolerance', cross_cpu_rtol: 'rtol on another machine', "
                 "cross_cpu_atol: 'atol on another machine', cross_cpu: 'compare (default) | "
                 "skip: values not comparable across machines (a chaotic regime), not checked "
                 "there'}");
    if (spec.defined("select")) select_ = Selector::read(spec, "select");
    metric_ = spec.get<std::string>("metric", where_);
    validate_metric(metric_, where_);
    rtol_ = spec.get<double>("rtol", where_);
    if (spec.defined("atol")) atol_ = spec.get<double>("atol", where_);
    cross_rtol_ =
        spec.defined("cross_cpu_rtol") ? spec.get<double>("cross_cpu_rtol", where_) : rtol_;
    cross_atol_ =
        spec.defined("cross_cpu_atol") ? spec.get<double>("cross_cpu_atol", where_) : atol_;
    has_cross_ = spec.defined("cross_cpu_rtol") || spec.defined("cross_cpu_atol");
    if (spec.defined("cross_cpu")) {
      const auto c = spec.get<std::string>("cross_cpu", where_);
      if (c != "compare" && c != "skip")
        fail(where_, ": key 'cross_cpu': unknown '", c, "' (valid: compare, skip)");
      skip_cross_ = c == "skip";
      if (skip_cross_ && has_cross_)
        fail(where_, ": key 'cross_cpu' is skip: a cross_cpu_rtol/atol would never apply");
    }
    if (!(rtol_ >= 0) || !(atol_ >= 0))  // NaN too
      fail(where_, ": keys 'rtol' and 'atol' must be numbers >= 0");
    if (!(cross_rtol_ >= rtol_) || !(cross_atol_ >= atol_))
      fail(where_, ": key 'cross_cpu_rtol' / 'cross_cpu_atol' must be >= 'rtol' / 'atol'");
  }
  bool is_claim() const override { return false; }

  Result evaluate(Context& ctx) const override {
    Result r;
    const bool have_golden = ctx.golden.present;
    const std::string other = have_golden ? machine_difference(ctx.golden, ctx.root) : "";
    const double rtol = other.empty() ? rtol_ : cross_rtol_;
    const double atol = other.empty() ? atol_ : cross_atol_;
    std::vector<std::string> bad;
    double max_rel = 0;
    const auto runs = select_runs(ctx.root, select_);
    for (const auto& [name, g] : runs) {
      const double v = metric(*g, metric_);
      ctx.new_golden.set(name, metric_, v);
      const std::optional<double>* want_value = ctx.golden.values.find(name, metric_);
      if (!want_value || !*want_value) {
        bad.push_back(name + ": no golden value");
        continue;
      }
      const double want = **want_value;
      if (std::isfinite(v) && std::isfinite(want) && want != 0)
        max_rel = std::max(max_rel, std::abs(v - want) / std::abs(want));
      const bool ok =
          (std::isnan(want) && std::isnan(v)) || std::abs(v - want) <= atol + rtol * std::abs(want);
      if (!ok) bad.push_back(name + ": " + num(v) + " vs golden " + num(want));
    }
    r.statistic = metric_ + " per run vs " + ctx.golden_path.filename().string();
    r.tolerance = "rtol " + num(rtol) + ", atol " + num(atol);
    if (!other.empty())
      r.tolerance += " (across machines; on the golden file's: rtol " + num(rtol_) + ", atol " +
                     num(atol_) + ")";
    r.expected = "golden values";
    r.actual = std::to_string(runs.size() - bad.size()) + "/" + std::to_string(runs.size()) +
               " match, max rel. dev. " + num(max_rel);
    const std::string tol =
        std::string(other.empty() || !has_cross_ ? "rtol " : "cross-CPU rtol ") + num(rtol) +
        (atol > 0 ? ", atol " + num(atol) : "") +
        (other.empty() || has_cross_ ? "" : " (no cross_cpu_rtol declared)");
    const std::string machine =
        other.empty() ? "" : " — not the golden file's machine (" + other + ")";
    if (runs.empty()) {
      r.reason = "no run matches";
    } else if (ctx.options.update_golden) {
      r.reason = "golden values rewritten from this run (--update-golden)";  // skip
    } else if (!other.empty() && skip_cross_) {  // skip: the values hold on their machine only
      r.reason = "not compared: the golden file's values were written on another machine (" +
                 other +
                 ") and this check declares them not comparable across machines "
                 "(cross_cpu: skip; max rel. dev. " +
                 num(max_rel) + ")";
    } else if (!have_golden) {
      r.verdict = Verdict::fail;  // a regression check without its reference cannot pass
      r.reason = "no golden file " + ctx.golden_path.string() + " (create it with --update-golden)";
    } else {
      r.verdict = bad.empty() ? Verdict::pass : Verdict::fail;
      r.reason = (bad.empty() ? "all " + std::to_string(runs.size()) + " runs within " + tol
                              : join(bad, "; ") + " — outside " + tol) +
                 ", max rel. dev. " + num(max_rel) + machine;
      if (!bad.empty() && !other.empty())  // the way out that does not widen the tolerance
        r.reason +=
            "; if the code did not change, a regime whose values differ by machine keeps "
            "that machine's own file (check --update-golden --machine-golden, "
            "docs/reliability.md)";
    }
    return r;
  }

 private:
  Selector select_;
  std::string metric_;
  double rtol_ = 0, atol_ = 0, cross_rtol_ = 0, cross_atol_ = 0;
  bool has_cross_ = false;   // cross_cpu_rtol/atol declared
  bool skip_cross_ = false;  // cross_cpu: skip
};

SPIKEBENCH_CHECK("golden",
                 "per-run values vs baselines/<scale>/<artifact>.yaml (regression; "
                 "cross_cpu_rtol on another machine)",
                 Golden);

}  // namespace
}  // namespace spikebench::checks
