#pragma once
// Token shards: a corpus tokenized once into compact binary files (uint16 GPT-2 ids, EOS after
// every document, a document index, a header naming the tokenizer), memory-mapped for training.
// File layout (little-endian), version 1:
//   [0,128)   header: magic "SPKTOKS\0", u32 version, u32 header bytes (128), u64 tokens,
//             u64 documents, u32 eos id, u32 bytes per token (2), char[64] tokenizer fingerprint
//             (Gpt2Tokenizer::fingerprint(), hex), zero padding
//   [128, 128 + 2*tokens)            u16 token ids
//   then, 8-byte aligned, u64 doc_start[documents + 1]: first token of each document, then tokens
// A prepared directory holds train-NNNNN.tok, valid-NNNNN.tok and shards.json (the index).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace spikebench::datasets {

class Gpt2Tokenizer;

/// One read-only, memory-mapped shard file (header checked on open).
class Shard {
 public:
  static Shard open(const std::filesystem::path& path);
  Shard(Shard&&) noexcept;
  Shard& operator=(Shard&&) noexcept;
  ~Shard();

  const uint16_t* tokens() const { return tokens_; }
  uint64_t num_tokens() const { return num_tokens_; }
  uint64_t num_documents() const { return num_docs_; }
  /// Token offset of document `d` (d == num_documents() gives num_tokens()).
  uint64_t document_start(uint64_t d) const { return doc_start_[d]; }
  const std::string& tokenizer_fingerprint() const { return fingerprint_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  Shard() = default;
  std::filesystem::path path_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  const uint16_t* tokens_ = nullptr;
  const uint64_t* doc_start_ = nullptr;
  uint64_t num_tokens_ = 0, num_docs_ = 0;
  std::string fingerprint_;
};

/// The shards of one split, read as one token stream (shards in name order).
class TokenShards {
 public:
  /// `path`: a prepared directory (opens its `split` shards, listed in shards.json) or one .tok
  /// file. With `expect_tokenizer` non-empty, shards made by another tokenizer are an Error.
  static TokenShards open(const std::filesystem::path& path, const std::string& split = "train",
                          const std::string& expect_tokenizer = "");

  uint64_t num_tokens() const { return total_; }
  uint64_t num_documents() const;
  const std::vector<Shard>& shards() const { return shards_; }
  /// Copies tokens [offset, offset + n) of the stream into `out` (as int32).
  void copy(uint64_t offset, size_t n, int32_t* out) const;

 private:
  std::vector<Shard> shards_;
  std::vector<uint64_t> starts_;  // stream offset of each shard's first token
  uint64_t total_ = 0;
};

struct PrepareOptions {
  std::string format = "c4";                  ///< c4 | jsonl | wikipedia | lines | text
  std::vector<std::filesystem::path> inputs;  ///< corpus files, read in this order
  std::filesystem::path out_dir;              ///< must not exist unless `overwrite`
  std::string jsonl_field = "text";
  double valid_fraction = 0.005;              ///< share of documents in `valid` (by text hash)
  uint64_t shard_tokens = uint64_t(1) << 28;  ///< start a new shard file past this many tokens
  unsigned threads = 0;                       ///< tokenizer threads (0 = all cores)
  bool overwrite = false;
};

struct PrepareSummary {
  uint64_t documents[2] = {0, 0};  ///< train, valid
  uint64_t tokens[2] = {0, 0};
  uint64_t bytes = 0;              ///< UTF-8 bytes of text tokenized
  std::vector<std::string> files;  ///< shard file names written
};

/// Is a document with this text in the validation split? Deterministic and order-free:
/// fnv1a64(text) % 1'000'000 < valid_fraction * 1'000'000.
bool in_valid_split(const std::string& text, double valid_fraction);

/// Tokenizes the corpus into `out_dir` (written as out_dir + ".partial", renamed at the end,
/// so a failure leaves nothing half-written). `progress(bytes_read, tokens)` is called now and
/// then.
PrepareSummary prepare_shards(const Gpt2Tokenizer& tokenizer, const PrepareOptions& options,
                              const std::function<void(uint64_t, uint64_t)>& progress = {});

}  // namespace spikebench::datasets
