#include "models/setting.h"

#include <cmath>
#include <map>

#include "core/error.h"
#include "core/registry.h"
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
  for (const auto& [name, kind] : Registry<StabilizerKind>::instance().entries())
    for (const auto& s : kind.settings) {
      const std::string owner = "stabilizer '" + name + "'";
      if (auto [it, fresh] = owner_of.emplace(s.key, owner); !fresh)
        fail("setting '", s.key, "' is declared by both ", it->second, " and ", owner);
      const double v = s.default_value();
      if (!(v >= s.lo && v <= s.hi))
        fail(owner, ": setting '", s.key, "': default ", s.default_yaml, " outside [", s.lo, ", ",
             s.hi, "]");
      out.push_back({owner, s});
    }
  return out;
}

}  // namespace spikebench::models
