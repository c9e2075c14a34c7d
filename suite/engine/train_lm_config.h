#pragma once
// The typed config of runner `train_lm`: every key of kTrainLmDefaults, parsed and range-checked
// once (errors name the run and the key), so a typo such as `schedule: cosin` stops the run
// before any results file, dataset or model exists.
#include <cstdint>
#include <string>

#include "models/config.h"
#include "suite/engine/injections.h"
#include "suite/engine/intervention.h"
#include "suite/engine/precision.h"
#include "suite/engine/schedule.h"
#include "suite/engine/stability_monitor.h"
#include "suite/runner.h"

namespace spikebench::engine {

enum class DataKind { wikipedia_bytes, shards };
enum class DeviceChoice { automatic, cpu, cuda };
enum class OptimizerKind { adamw_fused, adamw, adam_atan2 };
const EnumNames<DataKind>& data_names();
const EnumNames<DeviceChoice>& device_names();
const EnumNames<OptimizerKind>& optimizer_names();

/// Every key train_lm accepts (model_keys_yaml() and the training keys), with its default
/// and meaning.
const char* train_lm_defaults();

struct TrainLmConfig : RunnerConfig {
  std::string size;  // the flavor the model started from
  models::ModelConfig model;
  int64_t seed = 0;
  // the update (Table 3)
  int64_t steps = 300, batch = 16, micro_batch = 0, seq_len = 128;
  Schedule schedule;  // kind, lr, steps, warmup, min_lr resolved
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.01, clip = 1.0;
  bool decay_embeddings = true;  // false: OLMo 2's no weight decay on embeddings
  OptimizerKind optimizer = OptimizerKind::adamw_fused;
  Precision precision = Precision::fp32;
  DeviceChoice device = DeviceChoice::automatic;
  int threads = 0;
  // data
  DataKind data = DataKind::wikipedia_bytes;
  std::string shards_dir, valid_shards_dir;  // as written (relative: the data folder)
  int64_t data_bytes = 4000000;
  double valid_fraction = 0.05;
  // monitoring
  int64_t valid_every = 25, valid_batches = 4, layers_every = 25, checkpoint_every = 50;
  StabilityOptions stability;
  InterventionChoice interventions;  // skip_step, skip_nonfinite, ... (suite/engine/intervention.h)
  // zero-shot evaluation after training (-1 = skip, 0 = all)
  int64_t eval_wikitext_windows = 0, eval_lambada_examples = 0, eval_overlap = 32;
  bool save_model = false;  // keep the trained model folder (suite/model_io/model_folder.h)
  Injections injections;    // induced spikes: n-grams, lr spikes, corrupted batches

  // Keys added after pre-registered designs were written, in groups at their "off" values
  // (Runner::off_yaml): the stress tests' lr spikes and corrupted batches, the interventions,
  // and OLMo 2's embeddings without weight decay. Constant-initialized: the runner's
  // registration during static initialization reads it.
  static constexpr const char* kOffKeys =
      "[{lr_spike_steps: [], lr_spike_factor: 10.0, corrupt_steps: []}, {interventions: []},"
      " {decay_embeddings: true}]";
  static TrainLmConfig parse(const config::Reader& r);
  std::string requirements(const Environment& env) const;
  Cost cost() const;
  int64_t tokens_per_update() const { return batch * seq_len; }
};

}  // namespace spikebench::engine
