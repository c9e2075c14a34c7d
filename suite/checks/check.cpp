#include "suite/checks/check.h"

#include <iterator>
#include <set>

#include "core/error.h"

namespace spikebench::checks {

std::string to_string(Verdict v) {
  switch (v) {
    case Verdict::pass:
      return "pass";
    case Verdict::fail:
      return "fail";
    case Verdict::inconclusive:
      return "inconclusive";
    case Verdict::skip:
      return "skip";
  }
  return "skip";
}

Verdict parse_verdict(const std::string& s) {
  for (auto v : {Verdict::pass, Verdict::fail, Verdict::inconclusive, Verdict::skip})
    if (to_string(v) == s) return v;
  fail("unknown verdict '", s, "' (valid: pass, fail, inconclusive, skip)");
}

Check::Check(const config::Reader& spec, std::string where) : where_(std::move(where)) {
  if (!spec.is_map()) fail(where_, ": an expectation must be a map with name and kind");
  name_ = spec.get<std::string>("name", where_);
  where_ += " '" + name_ + "'";
  kind_ = spec.get<std::string>("kind", where_);
  if (spec.defined("why")) why_ = spec.get<std::string>("why", where_);
  if (spec.defined("extends")) {
    extends_ = spec.get<std::string>("extends", where_);
    if (extends_.empty()) fail(where_, ": key 'extends': say how the check goes beyond the paper");
  }
  if (spec.defined("quote")) {  // one verbatim passage, or a list of them
    if (spec.is_scalar("quote"))
      quote_.push_back(spec.get<std::string>("quote", where_));
    else if (spec.is_list("quote"))
      quote_ = spec.texts("quote");  // an error for an item that is not a passage
    if (quote_.empty()) fail(where_, ": key 'quote': a passage or a list of passages");
    for (const auto& x : quote_)
      if (x.empty()) fail(where_, ": key 'quote': an empty passage");
  }
}

void Check::require_keys(const config::Reader& spec, const std::string& allowed) const {
  spec.require_known_keys(
      allowed, {{"name", "check name"},
                {"kind", "check kind"},
                {"why", "the claim in words"},
                {"quote", "the paper's sentence(s) the check tests, verbatim (a string or a list)"},
                {"extends",
                 "how the check goes beyond the quoted words (a comparison, metric or scale "
                 "the paper does not state)"}});
}

CheckList parse(const std::vector<config::Reader>& expectations) {
  CheckList out;
  std::set<std::string> names;
  for (const auto& spec : expectations) {
    const std::string& at = spec.where();
    if (!spec.is_map() || !spec.defined("kind")) fail(at, ": missing key 'kind'");
    const auto kind = spec.get<std::string>("kind", at);
    const auto& registry = Registry<CheckKind>::instance();
    if (!registry.contains(kind))
      fail(at, ": key 'kind': unknown check kind '", kind,
           "' (valid: ", join(registry.names(), ", "), ")");
    auto check = registry.get(kind).make(spec, at);
    if (!names.insert(check->name()).second || check->name() == "golden_verdicts")
      fail(at, ": key 'name': '", check->name(), "' is used twice (or reserved)");
    out.push_back(std::move(check));
  }
  return out;
}

}  // namespace spikebench::checks
