#pragma once
// YAML helpers with errors that name the file and the key: loading, deep merging of layers
// (defaults < artifact < scale < method < grid < --set), and strict key validation.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace spikebench::config {

/// Parses a YAML file; a syntax error becomes "FILE:LINE:COL: message".
YAML::Node load_file(const std::filesystem::path& path);
/// A deep copy of `base` with `over` merged in (maps merge key by key, everything else replaces).
YAML::Node merge(const YAML::Node& base, const YAML::Node& over);
/// Throws "WHERE: unknown key 'k' (valid: ...)" for any key of `node` not in `allowed` (a map).
void require_known_keys(const YAML::Node& node, const YAML::Node& allowed,
                        const std::string& where);
/// Applies "a.b=value" overrides (value parsed as YAML).
YAML::Node apply_overrides(const YAML::Node& node, const std::vector<std::string>& sets);
/// Typed lookups that name `where` and the key on failure.
template <typename T>
T get(const YAML::Node& node, const std::string& key, const std::string& where);
/// A map key as a string; a key that is not a scalar (`{a: 1}: x`, `[a]: x`) is an Error
/// naming `where`.
std::string key_of(const YAML::Node& key, const std::string& where);
/// The scalar at a dotted key ("table1.350m.vanilla") of a YAML file, as written; nullopt when
/// the file or the key is absent.
std::optional<std::string> lookup_scalar(const std::filesystem::path& file, const std::string& key);
/// A YAML scalar as a number (1.5, 1e-3, .nan, .inf); an Error naming `where` otherwise.
double number(const std::string& scalar, const std::string& where);
/// The node as compact one-line YAML (flow style).
std::string flow(const YAML::Node& node);

}  // namespace spikebench::config
