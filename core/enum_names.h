#pragma once
// Enum <-> name tables for configuration values (arch, activation, schedule, precision, ...):
// strings live at the input boundary only; past it, code switches on the enum.
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace spikebench {

/// Names of an enum's values, in the order errors list them.
template <typename E>
using EnumNames = std::vector<std::pair<const char*, E>>;

/// The name of `e` in `names` ("?" if absent, which a complete table never is).
template <typename E>
const char* name_of(E e, const EnumNames<E>& names) {
  for (const auto& [n, v] : names)
    if (v == e) return n;
  return "?";
}

/// The value called `s`; an unknown name is an Error "WHAT: unknown value 's' (valid: ...)".
template <typename E>
E parse_enum(const std::string& s, const EnumNames<E>& names, const std::string& what) {
  std::vector<std::string> valid;
  for (const auto& [n, e] : names) {
    if (s == n) return e;
    valid.emplace_back(n);
  }
  fail(what, ": unknown value '", s, "' (valid: ", join(valid, ", "), ")");
}

}  // namespace spikebench
