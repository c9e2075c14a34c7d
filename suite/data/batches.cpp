#include "suite/data/batches.h"

#include <torch/torch.h>

#include <random>

#include "core/error.h"
#include "datasets/document.h"
#include "datasets/sampler.h"
#include "datasets/shards.h"

namespace spikebench {

void BatchSource::restore(const std::vector<int64_t>& state) {
  if (state.size() > 1)
    fail("batches: checkpoint has ", state.size(), " numbers of data state, not 1");
  skipped_ = state.empty() ? 0 : state[0];
}

ByteCorpus::ByteCorpus(const std::filesystem::path& data_dir, int64_t bytes, double valid_fraction,
                       int64_t seq_len, uint64_t seed)
    : seq_len_(seq_len), seed_(seed) {
  const auto file =
      data_dir / "corpora" / "enwiki-2015-wikiextractor" / "enwiki-2015.wikiextractor.AA.txt.gz";
  auto source = datasets::open_source("wikipedia", {file});
  std::vector<uint8_t> all;
  all.reserve(static_cast<size_t>(bytes));
  datasets::Document doc;
  while (static_cast<int64_t>(all.size()) < bytes && source->next(doc)) {
    all.insert(all.end(), doc.text.begin(), doc.text.end());
    all.push_back(0);  // article boundary
  }
  all.resize(std::min<size_t>(all.size(), static_cast<size_t>(bytes)));
  const auto n_valid = static_cast<size_t>(static_cast<double>(all.size()) * valid_fraction);
  if (n_valid < static_cast<size_t>(seq_len + 1) ||
      all.size() - n_valid < static_cast<size_t>(seq_len + 1))
    fail(file.string(), ": too little text (", all.size(), " bytes) for seq_len ", seq_len);
  valid_.assign(all.end() - static_cast<std::ptrdiff_t>(n_valid), all.end());
  all.resize(all.size() - n_valid);
  train_ = std::move(all);
}

torch::Tensor ByteCorpus::block(const std::vector<uint8_t>& data, uint64_t key,
                                int64_t batch) const {
  std::mt19937_64 rng(key);
  std::uniform_int_distribution<uint64_t> offset(0,
                                                 data.size() - static_cast<size_t>(seq_len_) - 1);
  auto out = torch::empty({batch, seq_len_ + 1}, torch::kInt64);
  auto* p = out.data_ptr<int64_t>();
  for (int64_t b = 0; b < batch; ++b) {
    const auto o = offset(rng);
    for (int64_t t = 0; t <= seq_len_; ++t) *p++ = data[o + static_cast<size_t>(t)];
  }
  return out;
}

torch::Tensor ByteCorpus::train(int64_t step, int64_t batch) {
  return block(train_, seed_ * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(batch_index(step)),
               batch);
}

torch::Tensor ByteCorpus::valid(int64_t i, int64_t batch) {
  return block(valid_, 0xC0FFEEULL + static_cast<uint64_t>(i), batch);  // same for every run
}

struct ShardBatches::Impl {
  datasets::TokenShards train, valid;
  datasets::SequenceSampler sampler;
  int64_t seq_len, batch;
  std::vector<int32_t> buffer;
  Impl(const std::filesystem::path& dir, int64_t seq_len, int64_t batch, uint64_t seed)
      : train(datasets::TokenShards::open(dir, "train")),
        valid(datasets::TokenShards::open(dir, "valid")),
        sampler(train, static_cast<size_t>(seq_len), static_cast<size_t>(batch), seed),
        seq_len(seq_len),
        batch(batch) {}
};

ShardBatches::ShardBatches(const std::filesystem::path& dir, int64_t seq_len, int64_t batch,
                           uint64_t seed)
    : impl_(std::make_unique<Impl>(dir, seq_len, batch, seed)) {}
ShardBatches::~ShardBatches() = default;

torch::Tensor ShardBatches::train(int64_t /*step*/, int64_t batch) {
  if (batch != impl_->batch)
    fail("shard batches: batch ", batch, " != sampler batch ", impl_->batch);
  impl_->sampler.next(impl_->buffer);
  return torch::from_blob(impl_->buffer.data(), {batch, impl_->seq_len + 1}, torch::kInt32)
      .to(torch::kInt64);
}

torch::Tensor ShardBatches::valid(int64_t i, int64_t batch) {
  const auto n = static_cast<uint64_t>(impl_->seq_len + 1);
  std::vector<int32_t> buf(static_cast<size_t>(batch) * n);
  for (int64_t b = 0; b < batch; ++b) {
    const uint64_t offset =
        (static_cast<uint64_t>(i * batch + b) * static_cast<uint64_t>(impl_->seq_len)) %
        (impl_->valid.num_tokens() - n);
    impl_->valid.copy(offset, n, buf.data() + static_cast<size_t>(b) * n);
  }
  return torch::from_blob(buf.data(), {batch, impl_->seq_len + 1}, torch::kInt32).to(torch::kInt64);
}

void ShardBatches::skip(int64_t n) {
  for (int64_t i = 0; i < n; ++i) impl_->sampler.next(impl_->buffer);
  BatchSource::skip(n);
}

std::vector<int64_t> ShardBatches::state() const {
  const auto s = impl_->sampler.state();
  return {static_cast<int64_t>(s.seed), static_cast<int64_t>(s.epoch),
          static_cast<int64_t>(s.position), skipped_};
}

void ShardBatches::restore(const std::vector<int64_t>& s) {
  // 3 numbers: a checkpoint from before batches could be skipped.
  if (s.size() != 3 && s.size() != 4) fail("shard batches: checkpoint has no sampler state");
  impl_->sampler.restore(
      {static_cast<uint64_t>(s[0]), static_cast<uint64_t>(s[1]), static_cast<uint64_t>(s[2])});
  skipped_ = s.size() == 4 ? s[3] : 0;
}

}  // namespace spikebench
