#include "suite/config/reader.h"

#include <cmath>

#include "suite/config/yaml.h"

namespace spikebench::config {

void Reader::error(const std::string& key, const std::string& message) const {
  fail(where_, ": key '", key, "': ", message);
}

YAML::Node Reader::required(const std::string& key) const {
  if (!node_[key] || node_[key].IsNull()) error(key, "missing");
  return node_[key];
}

std::string Reader::text(const std::string& key) const {
  const auto n = required(key);
  if (!n.IsScalar()) error(key, "expected a string, got " + flow(n));
  return n.as<std::string>();
}

bool Reader::flag(const std::string& key) const {
  const auto n = required(key);
  try {
    return n.as<bool>();
  } catch (const YAML::Exception&) {
    error(key, "expected true or false, got " + flow(n));
  }
}

std::vector<std::string> Reader::texts(const std::string& key) const {
  const auto n = node_[key];
  if (!n || n.IsNull()) return {};
  if (!n.IsSequence()) error(key, "expected a list, e.g. [a, b], got " + flow(n));
  std::vector<std::string> out;
  for (const auto& x : n) {
    if (!x.IsScalar()) error(key, "expected a list of names, got " + flow(n));
    out.push_back(x.as<std::string>());
  }
  return out;
}

std::vector<int64_t> Reader::integers(const std::string& key) const {
  const auto n = required(key);
  if (!n.IsSequence()) error(key, "expected a list of integers, got " + flow(n));
  std::vector<int64_t> out;
  for (const auto& x : n) {
    try {
      out.push_back(x.as<int64_t>());
    } catch (const YAML::Exception&) {
      error(key, "expected a list of integers, got " + flow(n));
    }
  }
  return out;
}

int64_t Reader::integer(const std::string& key, int64_t lo, int64_t hi) const {
  const auto v = maybe_integer(key, lo, hi);
  if (!v) error(key, "missing");
  return *v;
}

std::optional<int64_t> Reader::maybe_integer(const std::string& key, int64_t lo, int64_t hi) const {
  if (!has(key)) return std::nullopt;
  const auto n = node_[key];
  int64_t v = 0;
  try {
    v = n.as<int64_t>();
  } catch (const YAML::Exception&) {
    error(key, "expected an integer, got " + flow(n));
  }
  if (v < lo || v > hi) {
    std::string range = lo == INT64_MIN ? "" : ">= " + std::to_string(lo);
    if (hi != INT64_MAX) range += (range.empty() ? "<= " : " and <= ") + std::to_string(hi);
    error(key, "expected an integer " + range + ", got " + std::to_string(v));
  }
  return v;
}

double Reader::real(const std::string& key, double lo, double hi, bool open_lo) const {
  const auto v = maybe_real(key, lo, hi, open_lo);
  if (!v) error(key, "missing");
  return *v;
}

std::optional<double> Reader::maybe_real(const std::string& key, double lo, double hi,
                                         bool open_lo) const {
  if (!has(key)) return std::nullopt;
  const auto n = node_[key];
  double v = NAN;
  try {
    v = n.as<double>();
  } catch (const YAML::Exception&) {
    error(key, "expected a number, got " + flow(n));
  }
  const bool ok = std::isfinite(v) && (open_lo ? v > lo : v >= lo) && v <= hi;
  if (!ok) {
    std::string range = std::string(open_lo ? "> " : ">= ") + flow(YAML::Node(lo));
    if (std::isfinite(hi)) range += " and <= " + flow(YAML::Node(hi));
    error(key, "expected a finite number " + range + ", got " + flow(n));
  }
  return v;
}

}  // namespace spikebench::config
