#pragma once
// Training batches for the engine. `wikipedia_bytes`: the byte-level CPU proxy corpus — the
// first `bytes` of English Wikipedia (data/corpora/enwiki-2015, WikiText's test article "Nero"
// excluded) as byte tokens (vocabulary 256, byte 0 between articles), last `valid_fraction`
// held out. Batch b of a run is a pure function of (seed, b): resuming needs only the step.
// Batches are numbered like the updates that train on them until a rollback (PaLM's, suite/
// engine/interventions/rollback.cpp) skips some: then update `step` trains on batch
// step + skipped().
#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

namespace spikebench {

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  /// Training block for update `step` — batch number batch_index(step): (batch, seq_len + 1)
  /// int64.
  virtual torch::Tensor train(int64_t step, int64_t batch) = 0;
  /// The i-th fixed validation block: (batch, seq_len + 1) int64.
  virtual torch::Tensor valid(int64_t i, int64_t batch) = 0;
  /// Skips the next `n` training batches: update `step` trains on batch_index(step) afterwards.
  virtual void skip(int64_t n) { skipped_ += n; }
  /// The batch number update `step` trains on.
  int64_t batch_index(int64_t step) const { return step + skipped_; }
  int64_t skipped() const { return skipped_; }
  /// Position of the source, saved in checkpoints: the batches skipped, then the source's own.
  virtual std::vector<int64_t> state() const { return {skipped_}; }
  /// Restores state(); an empty state (a checkpoint from before batches could be skipped) is
  /// the start.
  virtual void restore(const std::vector<int64_t>& state);

 protected:
  int64_t skipped_ = 0;
};

/// GPT-2 BPE token shards made by `spikebench prepare` (the C4 / Wikipedia corpora at gpu and
/// paper scale): the seeded, resumable SequenceSampler over the train split; fixed consecutive
/// blocks of the valid split.
class ShardBatches : public BatchSource {
 public:
  ShardBatches(const std::filesystem::path& dir, int64_t seq_len, int64_t batch, uint64_t seed);
  ~ShardBatches() override;
  torch::Tensor train(int64_t step, int64_t batch) override;
  torch::Tensor valid(int64_t i, int64_t batch) override;
  void skip(int64_t n) override;  // draws and drops n batches of the sampler
  std::vector<int64_t> state() const override;
  void restore(const std::vector<int64_t>& state) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class ByteCorpus : public BatchSource {
 public:
  ByteCorpus(const std::filesystem::path& data_dir, int64_t bytes, double valid_fraction,
             int64_t seq_len, uint64_t seed);
  torch::Tensor train(int64_t step, int64_t batch) override;
  torch::Tensor valid(int64_t i, int64_t batch) override;

 private:
  torch::Tensor block(const std::vector<uint8_t>& data, uint64_t key, int64_t batch) const;
  std::vector<uint8_t> train_, valid_;
  int64_t seq_len_;
  uint64_t seed_;
};

}  // namespace spikebench
