#pragma once
// Typed, validated reads of one resolved config map — the input boundary of every runner
// config (torchtitan's job_config in spirit): each read names the file/run and the key on
// error ("fig1.yaml: run 'vanilla-cpu-lr3e-02-s0': key 'steps': expected an integer >= 1, got
// -5"), so a bad value stops the run before any results file, dataset or model exists.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/enum_names.h"
#include "core/error.h"
#include "core/registry.h"

namespace spikebench::config {

class Reader {
 public:
  Reader(YAML::Node node, std::string where) : node_(std::move(node)), where_(std::move(where)) {}
  const std::string& where() const { return where_; }
  bool has(const std::string& key) const { return node_[key] && !node_[key].IsNull(); }

  std::string text(const std::string& key) const;
  bool flag(const std::string& key) const;
  std::vector<std::string> texts(const std::string& key) const;
  std::vector<int64_t> integers(const std::string& key) const;
  /// An integer in [lo, hi].
  int64_t integer(const std::string& key, int64_t lo = INT64_MIN, int64_t hi = INT64_MAX) const;
  /// A finite real in [lo, hi] (or (lo, hi] with open_lo: "lr > 0").
  double real(const std::string& key, double lo, double hi, bool open_lo = false) const;
  /// The same, or nullopt when the key is null / absent ("null = the flavor's").
  std::optional<int64_t> maybe_integer(const std::string& key, int64_t lo = INT64_MIN,
                                       int64_t hi = INT64_MAX) const;
  std::optional<double> maybe_real(const std::string& key, double lo, double hi,
                                   bool open_lo = false) const;

  /// One of the enum's names.
  template <typename E>
  E choice(const std::string& key, const EnumNames<E>& names) const {
    return parse_enum(text(key), names, where_ + ": key '" + key + "'");
  }

  /// `name` unless Registry<Kind> lacks it: then an error naming the key and the valid names.
  template <typename Kind>
  const std::string& registered(const std::string& key, const std::string& name) const {
    const auto& registry = Registry<Kind>::instance();
    if (!registry.contains(name))
      error(key, "unknown " + std::string(Kind::kKind) + " '" + name +
                     "' (valid: " + join(registry.names(), ", ") + ")");
    return name;
  }

  [[noreturn]] void error(const std::string& key, const std::string& message) const;

 private:
  YAML::Node required(const std::string& key) const;
  YAML::Node node_;
  std::string where_;
};

}  // namespace spikebench::config
