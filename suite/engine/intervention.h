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
/// The model components' settings and then the interventions', in one pass: every component
/// setting a training config holds.
std::vector<models::DeclaredSetting> run_settings();

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

/// An intervention that records the updates it acts on: it calls acted() while judging update
/// `step`; on_update then appends that update to `<name>/` of the run's group (step, loss,
/// pre-clip gradient norm, and the extra value it named), which the report and the checks count,
/// and on_fit_end writes attrs["<name>_updates"] (after a resume, all of them).
class RecordingIntervention : public Callback {
 public:
  void on_update(Update& u) override;
  void on_fit_end(const std::string& status) override;

 protected:
  explicit RecordingIntervention(results::Group& group) : group_(group) {}
  /// Update `step` is acted on; `extra` (a dataset under <name>/, or null) gets `value`.
  void acted(int64_t step, const char* extra = nullptr, double value = 0) {
    acted_at_ = step, extra_ = extra, value_ = value;
  }

 private:
  results::Group& group_;
  int64_t acted_at_ = -1;
  const char* extra_ = nullptr;
  double value_ = 0;
};

/// Tensor ↔ numbers, for an intervention's checkpointed state.
void write_values(torch::serialize::OutputArchive& a, const std::string& key,
                  const std::vector<double>& values);
std::vector<double> read_values(torch::serialize::InputArchive& a, const std::string& key);

}  // namespace spikebench::engine
