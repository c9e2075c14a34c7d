#pragma once
// The typed config of runner `train_mt` (App. D, Tables 4-5): every key of train_mt_defaults(),
// parsed and range-checked once, errors naming the run and the key.
#include <cstdint>
#include <string>
#include <vector>

#include "models/encoder_decoder.h"
#include "suite/engine/precision.h"
#include "suite/engine/stability_monitor.h"
#include "suite/engine/train_lm_config.h"
#include "suite/runner.h"

namespace spikebench::engine {

enum class MtVocab { restricted, gpt2 };
enum class DecodeKind { beam, greedy };

const char* train_mt_defaults();

struct TrainMtConfig : RunnerConfig {
  models::EncoderDecoderConfig model;  // vocab is a placeholder until the data is read
  int64_t seed = 0, steps = 300, max_tokens = 7168, warmup_steps = 4000;
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.98, eps = 1e-8, weight_decay = 0, clip = 0.1;
  double label_smoothing = 0.1;
  Precision precision = Precision::fp32;
  DeviceChoice device = DeviceChoice::automatic;
  OptimizerKind optimizer = OptimizerKind::adamw_fused;
  int threads = 0;
  std::string train_src, train_tgt;  // as written (relative: the data folder)
  int64_t train_lines = 0, max_src_tokens = 128, vocab_max = 0, dev_lines = 0;
  MtVocab vocab = MtVocab::restricted;
  std::vector<int64_t> test_years;
  int64_t test_lines = 0, beam = 4, max_len_b = 10, decode_batch = 64;
  DecodeKind decode = DecodeKind::beam;
  double length_penalty = 0.6, max_len_a = 1.2;
  int64_t average_last = 0, checkpoint_every = 100;
  StabilityOptions stability;
  InterventionChoice interventions;  // as train_lm's (suite/engine/intervention.h)

  static TrainMtConfig parse(const config::Reader& r);
  Cost cost() const { return {0, 0, false, threads}; }  // no FLOPs model for token batches yet
  std::string requirements(const Environment& env) const;
  /// The model for a vocabulary of `vocab` ids.
  models::EncoderDecoderConfig model_for(int64_t vocab) const;
};

}  // namespace spikebench::engine
