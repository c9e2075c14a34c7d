#pragma once
// One registry shape for every pluggable kind (stabilizer, norm, init, artifact, command, check):
// a function-local static name -> entry map (no static-init-order trap), filled by one-line
// registration macros beside each definition, like google/benchmark's BENCHMARK().
// A duplicate name is an error; an unknown name lists the known ones.
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.h"

namespace spikebench {

template <typename Entry>
class Registry {
 public:
  /// The single registry of this Entry type.
  static Registry& instance() {
    static Registry registry;
    return registry;
  }

  /// Adds `entry` under `name`; throws on a duplicate (two TUs claiming one name).
  bool add(const std::string& name, Entry entry) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!entries_.emplace(name, std::move(entry)).second)
      throw Error("duplicate registration of " + std::string(Entry::kKind) + " '" + name + "'");
    return true;
  }

  bool contains(const std::string& name) const { return entries_.count(name) > 0; }

  /// The entry registered as `name`; an unknown name throws an error listing the valid ones.
  const Entry& get(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end())
      throw Error("unknown " + std::string(Entry::kKind) + " '" + name +
                  "' (valid: " + join(names(), ", ") + ")");
    return it->second;
  }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& kv : entries_) out.push_back(kv.first);
    return out;
  }

  const std::map<std::string, Entry>& entries() const { return entries_; }

 private:
  Registry() = default;
  std::map<std::string, Entry> entries_;
  std::mutex mutex_;
};

}  // namespace spikebench

#define SPIKEBENCH_CONCAT_INNER(a, b) a##b
#define SPIKEBENCH_CONCAT(a, b) SPIKEBENCH_CONCAT_INNER(a, b)
/// Registers `entry` (an Entry value) under `name` at static-initialization time.
#define SPIKEBENCH_REGISTER(Entry, name, ...)                                \
  static const bool SPIKEBENCH_CONCAT(spikebench_registered_, __COUNTER__) = \
      ::spikebench::Registry<Entry>::instance().add(name, Entry{__VA_ARGS__})
