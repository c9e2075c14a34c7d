#pragma once
// GPT-2 byte-level BPE (encoder.json + vocab.bpe), id-for-id equal to OpenAI's tiktoken "gpt2"
// encoding: regex pre-tokenizer (pretokenize.h), direct vocabulary hit, else rank-ordered
// merges where a merge's rank is the id of the merged bytes (tiktoken's byte_pair_merge).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace spikebench::datasets {

/// sha256 of OpenAI's gpt-2 encoder.json / vocab.bpe (the hashes tiktoken pins).
inline constexpr const char* kGpt2EncoderJsonSha256 =
    "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783";
inline constexpr const char* kGpt2VocabBpeSha256 =
    "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5";

/// Memo of pre-token -> ids for pieces that needed merges. One per thread (not thread-safe).
class BpeCache {
 public:
  explicit BpeCache(size_t max_entries = 1 << 16) : max_entries_(max_entries) {}
  const std::vector<int32_t>* find(std::string_view piece) const;
  void insert(std::string_view piece, std::vector<int32_t> ids);

 private:
  size_t max_entries_;
  std::unordered_map<std::string, std::vector<int32_t>> map_;
};

/// An immutable GPT-2 tokenizer; all const methods are safe to call from many threads.
class Gpt2Tokenizer {
 public:
  static constexpr int32_t kEndOfText = 50256;  ///< "<|endoftext|>"
  static constexpr int32_t kVocabSize = 50257;

  /// Loads `dir`/encoder.json and `dir`/vocab.bpe (e.g. resolve_data_dir() / "gpt2").
  /// With `verify_sha256`, a file whose sha256 differs from the pinned one is an Error.
  static Gpt2Tokenizer load(const std::filesystem::path& dir, bool verify_sha256 = true);
  static Gpt2Tokenizer load_files(const std::filesystem::path& encoder_json,
                                  const std::filesystem::path& vocab_bpe, bool verify_sha256);

  Gpt2Tokenizer(Gpt2Tokenizer&&) noexcept;
  Gpt2Tokenizer& operator=(Gpt2Tokenizer&&) noexcept;
  ~Gpt2Tokenizer();

  /// Ids of `text` with no special tokens (tiktoken encode_ordinary). Appends to `out`.
  /// Invalid UTF-8 throws an Error giving the byte offset. `cache` may be null.
  void encode_ordinary(std::string_view text, std::vector<int32_t>& out,
                       BpeCache* cache = nullptr) const;
  std::vector<int32_t> encode_ordinary(std::string_view text) const;
  /// As encode_ordinary, but with `allow_special` the literal "<|endoftext|>" becomes 50256.
  std::vector<int32_t> encode(std::string_view text, bool allow_special) const;
  /// The same, appending to `out`, with a cache kept by the caller (may be null).
  void encode(std::string_view text, bool allow_special, std::vector<int32_t>& out,
              BpeCache* cache) const;
  /// encode_ordinary on `threads` threads (0 = all cores) for large inputs: the text is cut at
  /// points where the pre-tokenizer is known to break (a space after a non-space ASCII byte),
  /// so the result is identical to the single-threaded one.
  std::vector<int32_t> encode_parallel(std::string_view text, unsigned threads = 0) const;

  /// encode_ordinary of each text on `threads` threads (0 = all cores), one BpeCache per thread.
  std::vector<std::vector<int32_t>> encode_batch(const std::vector<std::string>& texts,
                                                 unsigned threads = 0) const;

  /// Bytes of the ids (may be invalid UTF-8 for a partial sequence); unknown id -> Error.
  std::string decode(const int32_t* ids, size_t n) const;
  std::string decode(const std::vector<int32_t>& ids) const {
    return decode(ids.data(), ids.size());
  }
  std::string_view token_bytes(int32_t id) const;

  /// sha256 over both vocabulary files' sha256 (identifies the tokenizer in shard headers).
  const std::string& fingerprint() const;

 private:
  struct Impl;
  explicit Gpt2Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace spikebench::datasets
