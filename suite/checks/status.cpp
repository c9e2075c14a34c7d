// Check kind `status`: every selected run ended `ok` or `diverged` (the paper's N/A).
#include <algorithm>

#include "core/error.h"
#include "suite/checks/check.h"
#include "suite/checks/runs.h"
#include "suite/config/yaml.h"

namespace spikebench::checks {
namespace {

class Status : public Check {
 public:
  Status(const config::Reader& spec, const std::string& where) : Check(spec, where) {
    require_keys(spec, "{select: 'selector of the runs', expect: 'ok | diverged'}");
    if (spec.defined("select")) select_ = Selector::read(spec, "select");
    expect_ = spec.get<std::string>("expect", where_);
    if (expect_ != "ok" && expect_ != "diverged")
      fail(where_, ": key 'expect': unknown status '", expect_, "' (valid: ok, diverged)");
  }

  Result evaluate(Context& ctx) const override {
    Result r;
    std::vector<std::string> statuses;
    for (const auto& [name, g] : select_runs(ctx.root, select_))
      statuses.push_back(g->has_attr("status") ? g->attr_string("status") : "missing");
    r.statistic = "run status";
    r.expected = expect_ + " for every selected run";
    if (statuses.empty()) return r.reason = "no run matches", r;
    r.actual = join(statuses, ", ");
    const bool ok = std::all_of(statuses.begin(), statuses.end(),
                                [&](const std::string& s) { return s.rfind(expect_, 0) == 0; });
    r.verdict = ok ? Verdict::pass : Verdict::fail;
    return r;
  }

 private:
  Selector select_;
  std::string expect_;
};

SPIKEBENCH_CHECK("status", "every selected run ended ok / diverged", Status);

}  // namespace
}  // namespace spikebench::checks
