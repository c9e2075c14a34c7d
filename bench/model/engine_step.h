#pragma once
// The benchmarked model sizes, and one training update by the engine's own Trainer
// (suite/engine/trainer.h: the code `train_lm` runs), for timing.
#include <torch/torch.h>

#include <string>

#include "models/decoder.h"
#include "suite/engine/lm_step.h"
#include "suite/engine/trainer.h"

namespace spikebench::bench {

/// A benchmarked shape: the model plus the batch it is fed.
struct Shape {
  models::ModelConfig config;
  int64_t batch = 1, seq_len = 512;
};

/// "350m" (Table 3, 1 x 512), "cpu" (N=4 d=128 V=256, 16 x 128), "v50257" (N=4 d=256
/// V=50257, 8 x 128; "v50257fused": the same with the fused loss, 256 rows a chunk), "tiny" (N=2 d=64 V=256, 2 x 32: framework overhead dominates). All with the
/// scaled init and the Scaled Embed stabilizer, dropout 0.1.
Shape shape(const std::string& name);

/// Peak resident set size of this process so far (getrusage ru_maxrss), MiB.
double peak_rss_mib();
/// Minor page faults of this process so far (getrusage ru_minflt).
double minor_faults();

/// A model, the engine's Trainer (train_lm's AdamW groups and defaults, clip 1.0, fp32) and
/// one fixed random batch.
class EngineStep {
 public:
  EngineStep(const Shape& s, uint64_t seed);
  /// One engine::lm_step at lr 5e-4. Returns the loss.
  double step();
  int64_t tokens_per_step() const { return shape_.batch * shape_.seq_len; }

 private:
  Shape shape_;
  models::DecoderLM model_{nullptr};
  std::unique_ptr<engine::Trainer> trainer_;
  torch::Tensor batch_;
};

}  // namespace spikebench::bench
