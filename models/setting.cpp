#include "models/setting.h"

#include <algorithm>
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

std::vector<DeclaredSetting> declared_settings() {
  std::vector<DeclaredSetting> out;
  std::map<std::string, std::string> owner_of;
  collect_settings<StabilizerKind>(out, owner_of);
  collect_settings<NormKind>(out, owner_of);
  return out;
}

std::string yaml_line(const DeclaredSetting& d) {
  std::string line = d.setting.key + ": " + d.setting.default_yaml;
  line.resize(std::max<size_t>(line.size() + 1, 25), ' ');
  return line + "# " + d.setting.help + " (" + d.owner + ")\n";
}

double setting_value(const SettingValues& values, const std::string& key) {
  if (auto it = values.find(key); it != values.end()) return it->second;
  for (const auto& d : declared_settings())
    if (d.setting.key == key) return d.setting.default_value();
  fail("model: no component declares the setting '", key, "'");
}

}  // namespace spikebench::models
