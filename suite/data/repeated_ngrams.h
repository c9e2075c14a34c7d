#pragma once
// OLMo 2's loss-spike trigger (Team OLMo 2025, §3.2.1: batches with long repeated n-grams —
// spans of 1–13 tokens repeated ≥ 32 times — precede gradient-norm spikes) as a batch
// transformation: each row of a training batch gets a window of `repeats` copies of one of its
// own spans of `span` tokens (a real n-gram of the text, not a synthetic one), at a position
// drawn from `seed`; the rest of the row is untouched. Used by train_lm's ngram_steps.
#include <torch/types.h>

#include <cstdint>

namespace spikebench {

/// `batch` (B, T+1) int64 with rows carrying span·repeats ≤ T+1 tokens of repeats; deterministic
/// in `seed`. Throws when span·repeats exceeds a row.
torch::Tensor repeated_ngram_batch(const torch::Tensor& batch, int64_t span, int64_t repeats,
                                   uint64_t seed);

}  // namespace spikebench
