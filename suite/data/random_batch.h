#pragma once
// A corrupted batch for the induced-spike stress tests (issue 24, `stress`): every token of a
// training batch replaced by one drawn uniformly from the vocabulary — text with no structure, the
// kind of batch a broken data pipeline (a bad shard, a decoding bug) hands the optimizer. Drawn
// from its own generator, so the run's torch RNG (dropout) is untouched. Used by train_lm's
// corrupt_steps.
#include <torch/types.h>

#include <cstdint>

namespace spikebench {

/// A tensor shaped and placed like `batch` (B, T+1) int64, each entry uniform in [0, vocab);
/// deterministic in `seed`.
torch::Tensor random_token_batch(const torch::Tensor& batch, int64_t vocab, uint64_t seed);

}  // namespace spikebench
