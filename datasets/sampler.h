#pragma once
// SequenceSampler: (batch, seq_len + 1) training blocks from TokenShards in a seeded, shuffled,
// resumable order. Blocks start at multiples of seq_len, so consecutive blocks share one token
// (inputs = block[0..seq_len), targets = block[1..seq_len]). Each epoch visits every block once
// in the order of a Fisher-Yates permutation drawn from SplitMix64(seed, epoch) — the same on
// every platform (no std:: distributions).
#include <cstdint>
#include <vector>

#include "datasets/shards.h"

namespace spikebench::datasets {

/// Where a sampler is: three integers, enough to resume bit-identically.
struct SamplerState {
  uint64_t seed = 0;
  uint64_t epoch = 0;     ///< epochs completed
  uint64_t position = 0;  ///< blocks already returned in the current epoch
  bool operator==(const SamplerState& o) const {
    return seed == o.seed && epoch == o.epoch && position == o.position;
  }
};

class SequenceSampler {
 public:
  /// `shards` must outlive the sampler. Needs at least `batch` blocks of seq_len + 1 tokens.
  SequenceSampler(const TokenShards& shards, size_t seq_len, size_t batch, uint64_t seed);

  /// Fills `tokens` (resized to batch * (seq_len + 1), row-major [batch][seq_len + 1]) with the
  /// next batch; rolls over to a freshly shuffled epoch when the current one is exhausted.
  void next(std::vector<int32_t>& tokens);

  SamplerState state() const { return {seed_, epoch_, position_}; }
  /// Continues from `s` (e.g. read from a checkpoint); position past the epoch end is an Error.
  void restore(const SamplerState& s);

  uint64_t blocks_per_epoch() const { return num_blocks_; }
  size_t seq_len() const { return seq_len_; }
  size_t batch() const { return batch_; }

 private:
  void shuffle();
  const TokenShards* shards_;
  size_t seq_len_, batch_;
  uint64_t num_blocks_;
  uint64_t seed_, epoch_ = 0, position_ = 0;
  std::vector<uint32_t> order_;  // permutation of block indices for epoch_ (< 2^32 blocks)
};

}  // namespace spikebench::datasets
