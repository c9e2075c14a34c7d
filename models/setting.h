#pragma once
// A component's settings, declared beside it: each stabilizer or norm lists the
// run-config keys it reads with their default, accepted range and help line, and reads their
// values from ModelConfig::setting(key). The model config holds the values by key and knows no
// component's names; the suite builds the config keys, their defaults and their validation from
// these declarations (suite/model_config.cpp), so a component with settings is one file.
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/registry.h"

namespace spikebench::models {

struct Setting {
  std::string key;           // the run-config key: flat, unique over every component
  std::string default_yaml;  // the default as the config defaults write it (exact text: the
                             // resolved config enters the pre-registered design hash)
  double lo = 0, hi = std::numeric_limits<double>::infinity();  // accepted range [lo, hi]
  std::string help;  // one line for the config defaults' comment
  /// Left out of a run's pre-registered design hash while at its default (suite/prereg.cpp): a
  /// setting added after design records were written sets it, so that records not using it keep
  /// their hash; set to anything else, it is part of the design.
  bool omit_at_default = false;

  double default_value() const;
};

/// Every setting a registered component declares, with the component that declares it
/// ("stabilizer 'z_loss'"); a key declared twice, a default that is not a number in [lo, hi],
/// throws an Error naming both.
struct DeclaredSetting {
  std::string owner;
  Setting setting;
};
/// Built on each call from the registries that declare settings — stabilizers, then norms —
/// (never cached: nothing reads it before every static registration has run).
std::vector<DeclaredSetting> declared_settings();

/// Appends the settings of every entry of Registry<Kind> (Kind::settings) to `out`, checking that
/// each key is declared once over all components (`owner_of`: key → its owner so far) and that
/// each default lies in its range. Other floors' registries (the engine's interventions) use it
/// to declare theirs the same way.
template <typename Kind>
void collect_settings(std::vector<DeclaredSetting>& out,
                      std::map<std::string, std::string>& owner_of) {
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

/// `key: default   # help (owner)` — the setting's line in a runner's table of keys.
std::string yaml_line(const DeclaredSetting& d);

/// A model's setting values by key; a key left out takes its declared default.
using SettingValues = std::map<std::string, double>;
/// values[key], else the key's declared default; an undeclared key throws an Error.
double setting_value(const SettingValues& values, const std::string& key);

}  // namespace spikebench::models
