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

/// A model's setting values by key; a key left out takes its declared default.
using SettingValues = std::map<std::string, double>;
/// values[key], else the key's declared default; an undeclared key throws an Error.
double setting_value(const SettingValues& values, const std::string& key);

}  // namespace spikebench::models
