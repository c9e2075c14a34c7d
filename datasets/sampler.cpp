// SequenceSampler: per-epoch Fisher-Yates permutation from SplitMix64 (Steele et al. 2014).
#include "datasets/sampler.h"

#include "core/error.h"

namespace spikebench::datasets {
namespace {

struct SplitMix64 {
  uint64_t x;
  uint64_t next() {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) by rejection (Lemire-free, exact and portable).
  uint64_t below(uint64_t n) {
    uint64_t limit = ~uint64_t(0) - (~uint64_t(0) % n);
    for (;;) {
      uint64_t r = next();
      if (r < limit) return r % n;
    }
  }
};

}  // namespace

SequenceSampler::SequenceSampler(const TokenShards& shards, size_t seq_len, size_t batch,
                                 uint64_t seed)
    : shards_(&shards), seq_len_(seq_len), batch_(batch), seed_(seed) {
  if (seq_len == 0 || batch == 0) fail("sampler: seq_len and batch must be positive");
  num_blocks_ = shards.num_tokens() > seq_len ? (shards.num_tokens() - 1) / seq_len : 0;
  if (num_blocks_ < batch)
    fail("sampler: ", shards.num_tokens(), " tokens give ", num_blocks_, " blocks of ", seq_len + 1,
         " tokens, fewer than the batch size ", batch);
  if (num_blocks_ >= (uint64_t(1) << 32)) fail("sampler: more than 2^32 blocks; raise seq_len");
  shuffle();
}

void SequenceSampler::shuffle() {
  order_.resize(num_blocks_);
  for (uint64_t i = 0; i < num_blocks_; ++i) order_[i] = uint32_t(i);
  SplitMix64 rng{seed_ ^ (0xD1B54A32D192ED03ull * (epoch_ + 1))};
  for (uint64_t i = num_blocks_ - 1; i > 0; --i) std::swap(order_[i], order_[rng.below(i + 1)]);
}

void SequenceSampler::next(std::vector<int32_t>& tokens) {
  const size_t row = seq_len_ + 1;
  tokens.resize(batch_ * row);
  for (size_t b = 0; b < batch_; ++b) {
    if (position_ == num_blocks_) {
      ++epoch_;
      position_ = 0;
      shuffle();
    }
    shards_->copy(uint64_t(order_[position_++]) * seq_len_, row, tokens.data() + b * row);
  }
}

void SequenceSampler::restore(const SamplerState& s) {
  if (s.position > num_blocks_)
    fail("sampler: saved position ", s.position, " is past the epoch length ", num_blocks_,
         " (different data or seq_len?)");
  bool reshuffle = s.seed != seed_ || s.epoch != epoch_;
  seed_ = s.seed, epoch_ = s.epoch, position_ = s.position;
  if (reshuffle) shuffle();
}

}  // namespace spikebench::datasets
