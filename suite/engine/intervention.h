#pragma once
// Interventions chosen by name (`interventions: [skip_step]` in a training config): methods that
// act in the training loop rather than in the model — skip an update, discard it, roll back —
// each one file under suite/engine/interventions/ with one registration line, its source and
// defaults cited there, and its settings declared beside it like a stabilizer's
// (models/setting.h): flat config keys, defaults, ranges and help, left out of a pre-registered
// design's hash while at their defaults. An intervention is an engine::fit Callback: it judges
// updates before the optimizer steps (Callback::propose), logs what it did into its own results
// group (named after it) and checkpoints its state, so --resume stays bit-identical.
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/registry.h"
#include "models/setting.h"
#include "suite/config/reader.h"
#include "suite/engine/fit.h"
#include "suite/results/tree.h"

namespace spikebench::engine {

struct InterventionKind {
  static constexpr const char* kKind = "intervention";
  using Factory =
      std::function<std::unique_ptr<Callback>(const models::SettingValues&, results::Group&)>;
  std::string summary;                         // one line, with its source
  std::vector<models::Setting> settings = {};  // the config keys it reads
  Factory make;                                // its callback, logging into the run's group
};

/// Every setting the registered interventions declare, after (and distinct from) the model
/// components' (models::declared_settings).
std::vector<models::DeclaredSetting> intervention_settings();

/// The interventions a run asked for and their settings' values.
struct InterventionChoice {
  std::vector<std::string> names;  // registered, in the order their callbacks run
  models::SettingValues settings;  // every declared intervention setting
  static InterventionChoice parse(const config::Reader& r);
};

/// `interventions: []` and each registered intervention's settings with default and help, for
/// a training runner's table of keys.
std::string intervention_keys_yaml();

}  // namespace spikebench::engine

namespace spikebench::engine {

/// Appends update `u` to `<name>/` of `group` (step, loss, pre-clip gradient norm): the record of
/// an update an intervention acted on, which the report and the checks count.
void log_intervened(results::Group& group, const std::string& name, const Update& u);

/// attrs["<name>_updates"]: how many updates `<name>/` records (after a resume, all of them).
void write_intervened_count(results::Group& group, const std::string& name);

/// Tensor ↔ numbers, for an intervention's checkpointed state.
void write_values(torch::serialize::OutputArchive& a, const std::string& key,
                  const std::vector<double>& values);
std::vector<double> read_values(torch::serialize::InputArchive& a, const std::string& key);

}  // namespace spikebench::engine
