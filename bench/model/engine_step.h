#pragma once
// The benchmarked model sizes, and one training update done exactly as
// suite/engine/train_lm.cpp does it (AdamW decay/no-decay groups, clip 1.0), for timing.
#include <torch/torch.h>

#include <string>

#include "models/decoder.h"

namespace spikebench::bench {

/// A benchmarked shape: the model plus the batch it is fed.
struct Shape {
  models::ModelConfig config;
  int64_t batch = 1, seq_len = 512;
};

/// "350m" (Table 3, 1 x 512), "cpu" (N=4 d=128 V=256, 16 x 128), "v50257" (N=4 d=256
/// V=50257, 8 x 128). All with the scaled init and the Scaled Embed stabilizer, dropout 0.1.
Shape shape(const std::string& name);

/// Peak resident set size of this process so far (getrusage ru_maxrss), MiB.
double peak_rss_mib();
/// Minor page faults of this process so far (getrusage ru_minflt).
double minor_faults();

/// Seconds spent per phase of the update, summed over steps.
struct Phases {
  double forward = 0, backward = 0, clip = 0, optimizer = 0;
};

/// A model, its AdamW (train_lm's groups and defaults) and one fixed random batch.
class EngineStep {
 public:
  EngineStep(const Shape& s, uint64_t seed);
  /// zero_grad; loss; backward; loss.item(); clip_grad_norm_(1.0); step. Returns the loss.
  double step();
  int64_t tokens_per_step() const { return shape_.batch * shape_.seq_len; }
  Phases phases;  // accumulated by step()

 private:
  Shape shape_;
  models::DecoderLM model_{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::vector<torch::Tensor> params_;
  torch::Tensor inputs_, targets_;
};

}  // namespace spikebench::bench
