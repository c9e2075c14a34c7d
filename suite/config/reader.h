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
  /// An undefined node (a missing key's) reads as null: every query answers "absent".
  Reader(const YAML::Node& node, std::string where)
      : node_(node.IsDefined() ? node : YAML::Node()), where_(std::move(where)) {}
  const std::string& where() const { return where_; }
  bool has(const std::string& key) const { return !at(key).IsNull(); }
  /// Present, null included (`key:` with no value).
  bool defined(const std::string& key) const { return is_map() && node_[key].IsDefined(); }
  bool is_map() const { return node_.IsMap(); }
  /// The key holds a scalar / a list / a map with at least one key.
  bool is_scalar(const std::string& key) const { return at(key).IsScalar(); }
  bool is_list(const std::string& key) const { return at(key).IsSequence(); }
  bool is_nonempty_map(const std::string& key) const {
    const auto n = at(key);
    return n.IsMap() && n.size() > 0;
  }
  /// The map's keys, in file order (an error names `where` for a key that is not a string).
  std::vector<std::string> keys() const;
  /// The items of a list (`where[i]` each); an Error naming `where` for a value that is not a
  /// list (null: none).
  static std::vector<Reader> items(const YAML::Node& list, const std::string& where,
                                   const std::string& what);
  /// The map under `key`, read with its own `where`.
  Reader child(const std::string& key, std::string where) const;
  /// The map under `key` as (key, scalar as written) pairs in file order; an error for a value
  /// that is not a scalar.
  std::vector<std::pair<std::string, std::string>> scalars(const std::string& key) const;
  /// The value under `key` as one-line YAML (flow style), as written; "" when absent.
  std::string flow(const std::string& key) const;
  /// Throws "WHERE: unknown key 'k' (valid: ...)" for a key outside `allowed` (key: doc).
  /// `allowed_yaml` is a YAML map of key: doc (a check kind's keys), `more` adds to it.
  void require_known_keys(const std::string& allowed_yaml,
                          const std::vector<std::pair<std::string, std::string>>& more) const;

  /// config::get's typed read, its messages naming `where` ("missing key 'k'", "wrong type").
  template <typename T>
  T get(const std::string& key, const std::string& where) const;

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
  /// The value under `key`; a null node when the key is absent or this is not a map.
  YAML::Node at(const std::string& key) const;
  YAML::Node required(const std::string& key) const;
  YAML::Node node_;
  std::string where_;
};

}  // namespace spikebench::config
