#include "suite/checks/check.h"

#include <iterator>
#include <set>

#include "core/error.h"
#include "suite/config/yaml.h"

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

Check::Check(const YAML::Node& spec, std::string where) : where_(std::move(where)) {
  if (!spec.IsMap()) fail(where_, ": an expectation must be a map with name and kind");
  name_ = config::get<std::string>(spec, "name", where_);
  where_ += " '" + name_ + "'";
  kind_ = config::get<std::string>(spec, "kind", where_);
  if (spec["why"]) why_ = config::get<std::string>(spec, "why", where_);
  if (spec["extends"]) {
    extends_ = config::get<std::string>(spec, "extends", where_);
    if (extends_.empty()) fail(where_, ": key 'extends': say how the check goes beyond the paper");
  }
  if (const auto q = spec["quote"]) {  // one verbatim passage, or a list of them
    if (q.IsScalar()) {
      quote_.push_back(q.as<std::string>());
    } else if (q.IsSequence() && q.size() > 0) {
      for (const auto& x : q) {
        if (!x.IsScalar()) fail(where_, ": key 'quote': a passage or a list of passages");
        quote_.push_back(x.as<std::string>());
      }
    } else {
      fail(where_, ": key 'quote': a passage or a list of passages");
    }
    for (const auto& x : quote_)
      if (x.empty()) fail(where_, ": key 'quote': an empty passage");
  }
}

void Check::require_keys(const YAML::Node& spec, const char* allowed) const {
  YAML::Node keys = YAML::Load(allowed);
  keys["name"] = "check name";
  keys["kind"] = "check kind";
  keys["why"] = "the claim in words";
  keys["quote"] = "the paper's sentence(s) the check tests, verbatim (a string or a list)";
  keys["extends"] = "how the check goes beyond the quoted words (a comparison, metric or scale the paper does not state)";
  config::require_known_keys(spec, keys, where_);
}

CheckList parse(const YAML::Node& expectations, const std::string& where) {
  CheckList out;
  if (!expectations || expectations.IsNull()) return out;
  if (!expectations.IsSequence()) fail(where, ": expected a list of checks");
  std::set<std::string> names;
  for (size_t i = 0; i < expectations.size(); ++i) {
    const auto& spec = expectations[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!spec.IsMap() || !spec["kind"]) fail(at, ": missing key 'kind'");
    const auto kind = config::get<std::string>(spec, "kind", at);
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
