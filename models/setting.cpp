#include "models/setting.h"

#include <cmath>
#include <map>

#include "core/error.h"
#include "core/registry.h"
#include "models/norm.h"
#include "models/stabilizer.h"

namespace spikebench::models {

double Setting::default_value() const {
  size_t used = 0;
  double v = NAN;
  try {
    v = std::stod(default_yaml, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != default_yaml.size() || !std::isfinite(v))
    fail("setting '", key, "': default '", default_yaml, "' is not a finite number");
  return v;
}

namespace {

/// Appends the settings of every entry of Registry<Kind> (Kind::settings), checking each key is
/// declared once over all components and each default lies in its range.
template <typename Kind>
void collect(std::vector<DeclaredSetting>& out, std::map<std::string, std::string>& owner_of) {
  for (const auto& [name, kind] : Registry<Kind>::instance().entries())
    for (const auto& s : kind.settings) {
      const std::string owner = std::string(Kind::kKind) + " '" + name + "'";
      if (auto [it, fresh] = owner_of.emplace(s.key, owner); !fresh)
        fail("setting '", s.key, "' is declared by both ", it->second, " and ", owner);
      const double v = s.default_value();
      if (!(v >= s.lo && v <= s.hi))
        fail(owner, ": setting '", s.key, "': default ", s.default_yaml, " outside [", s.lo, ", ",
             s.hi, "]");
      out.push_back({owner, s});
    }
}

}  // namespace

std::vector<DeclaredSetting> declared_settings() {
  std::vector<DeclaredSetting> out;
  std::map<std::string, std::string> owner_of;
  collect<StabilizerKind>(out, owner_of);
  collect<NormKind>(out, owner_of);
  return out;
}

double setting_value(const SettingValues& values, const std::string& key) {
  if (auto it = values.find(key); it != values.end()) return it->second;
  for (const auto& d : declared_settings())
    if (d.setting.key == key) return d.setting.default_value();
  fail("model: no component declares the setting '", key, "'");
}

}  // namespace spikebench::models
