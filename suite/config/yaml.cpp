#include "suite/config/yaml.h"

#include "core/error.h"

namespace spikebench::config {

YAML::Node load_file(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) fail(path.string(), ": no such file");
  try {
    YAML::Node node = YAML::LoadFile(path.string());
    if (!node.IsMap()) fail(path.string(), ": expected a YAML mapping at the top level");
    return node;
  } catch (const YAML::Exception& e) {
    fail(path.string(), ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg);
  }
}

YAML::Node merge(const YAML::Node& base, const YAML::Node& over) {
  if (!over.IsDefined() || over.IsNull()) return YAML::Clone(base);
  if (!base.IsMap() || !over.IsMap()) return YAML::Clone(over);
  YAML::Node out = YAML::Clone(base);
  for (const auto& kv : over) {
    const auto key = key_of(kv.first, "a YAML map");
    out[key] = out[key] ? merge(out[key], kv.second) : YAML::Clone(kv.second);
  }
  return out;
}

void require_known_keys(const YAML::Node& node, const YAML::Node& allowed,
                        const std::string& where) {
  if (!node.IsMap()) return;
  for (const auto& kv : node) {
    const auto key = key_of(kv.first, where);
    if (!allowed[key]) {
      std::vector<std::string> valid;
      for (const auto& a : allowed) valid.push_back(a.first.as<std::string>());
      fail(where, ": unknown key '", key, "' (valid: ", join(valid, ", "), ")");
    }
  }
}

YAML::Node apply_overrides(const YAML::Node& node, const std::vector<std::string>& sets) {
  YAML::Node out = YAML::Clone(node);
  for (const auto& s : sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) fail("--set '", s, "': expected KEY=VALUE");
    const std::string key = s.substr(0, eq);
    YAML::Node value;
    try {
      value = YAML::Load(s.substr(eq + 1));
    } catch (const YAML::Exception& e) {
      fail("--set '", s, "': ", e.msg);
    }
    YAML::Node patch;
    YAML::Node cursor = patch;
    std::string rest = key;
    // Build a nested map a: {b: value} for "a.b=value".
    std::vector<std::string> parts;
    for (size_t pos; (pos = rest.find('.')) != std::string::npos; rest = rest.substr(pos + 1))
      parts.push_back(rest.substr(0, pos));
    parts.push_back(rest);
    YAML::Node nested = value;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
      YAML::Node m;
      m[*it] = nested;
      nested = m;
    }
    out = merge(out, nested);
  }
  return out;
}

template <typename T>
T get(const YAML::Node& node, const std::string& key, const std::string& where) {
  if (!node[key]) fail(where, ": missing key '", key, "'");
  try {
    return node[key].as<T>();
  } catch (const YAML::Exception&) {
    fail(where, ": key '", key, "' has the wrong type (", flow(node[key]), ")");
  }
}

std::string key_of(const YAML::Node& key, const std::string& where) {
  if (!key.IsScalar()) fail(where, ": a key must be a plain string, not ", flow(key));
  return key.Scalar();
}

template std::string get<std::string>(const YAML::Node&, const std::string&, const std::string&);
template double get<double>(const YAML::Node&, const std::string&, const std::string&);
template int64_t get<int64_t>(const YAML::Node&, const std::string&, const std::string&);
template int get<int>(const YAML::Node&, const std::string&, const std::string&);
template bool get<bool>(const YAML::Node&, const std::string&, const std::string&);
template std::vector<double> get<std::vector<double>>(const YAML::Node&, const std::string&,
                                                      const std::string&);
template std::vector<std::string> get<std::vector<std::string>>(const YAML::Node&,
                                                                const std::string&,
                                                                const std::string&);

std::string flow(const YAML::Node& node) {
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << node;
  return e.c_str();
}

std::optional<std::string> lookup_scalar(const std::filesystem::path& file,
                                         const std::string& key) {
  if (!std::filesystem::exists(file)) return std::nullopt;
  YAML::Node node = load_file(file);
  for (size_t pos = 0, next; node && pos <= key.size(); pos = next + 1) {
    next = key.find('.', pos);
    if (next == std::string::npos) next = key.size();
    node = node[key.substr(pos, next - pos)];
  }
  if (!node || !node.IsScalar()) return std::nullopt;
  return node.Scalar();
}

double number(const std::string& scalar, const std::string& where) {
  try {
    return YAML::Node(scalar).as<double>();
  } catch (const YAML::Exception&) {
    fail(where, ": expected a number, got '", scalar, "'");
  }
}

}  // namespace spikebench::config
