#include "suite/config/reader.h"

#include <cmath>

#include "suite/config/yaml.h"

namespace spikebench::config {

void Reader::error(const std::string& key, const std::string& message) const {
  fail(where_, ": key '", key, "': ", message);
}

YAML::Node Reader::at(const std::string& key) const {
  if (!node_.IsMap()) return YAML::Node();
  const YAML::Node n = node_[key];
  return n.IsDefined() ? n : YAML::Node();
}

YAML::Node Reader::required(const std::string& key) const {
  const auto n = at(key);
  if (n.IsNull()) error(key, "missing");
  return n;
}

std::string Reader::text(const std::string& key) const {
  const auto n = required(key);
  if (!n.IsScalar()) error(key, "expected a string, got " + config::flow(n));
  return n.as<std::string>();
}

bool Reader::flag(const std::string& key) const {
  const auto n = required(key);
  try {
    return n.as<bool>();
  } catch (const YAML::Exception&) {
    error(key, "expected true or false, got " + config::flow(n));
  }
}

std::vector<std::string> Reader::texts(const std::string& key) const {
  const auto n = at(key);
  if (n.IsNull()) return {};
  if (!n.IsSequence()) error(key, "expected a list, e.g. [a, b], got " + config::flow(n));
  std::vector<std::string> out;
  for (const auto& x : n) {
    if (!x.IsScalar()) error(key, "expected a list of names, got " + config::flow(n));
    out.push_back(x.as<std::string>());
  }
  return out;
}

std::vector<int64_t> Reader::integers(const std::string& key) const {
  const auto n = required(key);
  if (!n.IsSequence()) error(key, "expected a list of integers, got " + config::flow(n));
  std::vector<int64_t> out;
  for (const auto& x : n) {
    try {
      out.push_back(x.as<int64_t>());
    } catch (const YAML::Exception&) {
      error(key, "expected a list of integers, got " + config::flow(n));
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
  const auto n = at(key);
  int64_t v = 0;
  try {
    v = n.as<int64_t>();
  } catch (const YAML::Exception&) {
    error(key, "expected an integer, got " + config::flow(n));
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
  const auto n = at(key);
  double v = NAN;
  try {
    v = n.as<double>();
  } catch (const YAML::Exception&) {
    error(key, "expected a number, got " + config::flow(n));
  }
  const bool ok = std::isfinite(v) && (open_lo ? v > lo : v >= lo) && v <= hi;
  if (!ok) {
    std::string range = std::string(open_lo ? "> " : ">= ") + config::flow(YAML::Node(lo));
    if (std::isfinite(hi)) range += " and <= " + config::flow(YAML::Node(hi));
    error(key, "expected a finite number " + range + ", got " + config::flow(n));
  }
  return v;
}

std::vector<std::string> Reader::keys() const {
  std::vector<std::string> out;
  if (node_.IsMap())
    for (const auto& kv : node_) out.push_back(key_of(kv.first, where_));
  return out;
}

std::vector<Reader> Reader::items(const YAML::Node& list, const std::string& where,
                                  const std::string& what) {
  std::vector<Reader> out;
  if (!list || list.IsNull()) return out;
  if (!list.IsSequence()) fail(where, ": expected a list of ", what);
  for (size_t i = 0; i < list.size(); ++i)
    out.emplace_back(list[i], where + "[" + std::to_string(i) + "]");
  return out;
}

Reader Reader::child(const std::string& key, std::string where) const {
  return Reader(at(key), std::move(where));
}

std::vector<std::pair<std::string, std::string>> Reader::scalars(const std::string& key) const {
  std::vector<std::pair<std::string, std::string>> out;
  const auto n = at(key);
  if (n.IsNull()) return out;
  if (!n.IsMap()) error(key, "expected a map, e.g. {method: vanilla}, got " + config::flow(n));
  for (const auto& kv : n) {
    const std::string k = key_of(kv.first, where_);
    if (!kv.second.IsScalar())
      error(key + "." + k, "expected a single value, got " + config::flow(kv.second));
    out.emplace_back(k, kv.second.Scalar());
  }
  return out;
}

std::string Reader::flow(const std::string& key) const {
  const auto n = at(key);
  return defined(key) ? config::flow(n) : "";
}

void Reader::require_known_keys(
    const std::string& allowed_yaml,
    const std::vector<std::pair<std::string, std::string>>& more) const {
  YAML::Node keys = YAML::Load(allowed_yaml);
  for (const auto& [k, doc] : more) keys[k] = doc;
  config::require_known_keys(node_, keys, where_);
}

template <typename T>
T Reader::get(const std::string& key, const std::string& where) const {
  return config::get<T>(node_, key, where);
}
template std::string Reader::get<std::string>(const std::string&, const std::string&) const;
template double Reader::get<double>(const std::string&, const std::string&) const;
template int64_t Reader::get<int64_t>(const std::string&, const std::string&) const;
template bool Reader::get<bool>(const std::string&, const std::string&) const;

}  // namespace spikebench::config
