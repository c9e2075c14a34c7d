#pragma once
// GPT-2 ids of a stream of text lines, one output line of space-separated ids per input line
// (`spikebench encode`'s default mode), on several threads and pipelined: while the workers
// encode one batch of lines, the caller reads the next and the previous batch's output is
// written. The output is the serial loop's, byte for byte, whatever the threads and batch size.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/bpe.h"

namespace spikebench::datasets {

/// Appends one output line: the ids separated by single spaces, then '\n'.
void append_ids(const std::vector<int32_t>& ids, std::string& out);

class LineEncoder {
 public:
  struct Options {
    unsigned threads = 0;           ///< encoding threads (0 = all cores)
    bool allow_special = false;     ///< the literal "<|endoftext|>" becomes 50256
    size_t batch_bytes = 4u << 20;  ///< input bytes handed to the workers at a time
  };
  using Write = std::function<void(std::string_view)>;

  /// `path` names the input in errors ("path:line:column: invalid UTF-8 (byte 0xNN)").
  /// `write` receives the output in order, from the calling thread only.
  LineEncoder(const Gpt2Tokenizer& tokenizer, std::string path, Options options, Write write);
  ~LineEncoder();  ///< waits for the workers; writes nothing more (after an error, nothing is)
  LineEncoder(const LineEncoder&) = delete;
  LineEncoder& operator=(const LineEncoder&) = delete;

  /// The next input line, without its '\n' (copied; the view may die after the call).
  /// Errors of earlier batches (invalid UTF-8) are thrown here, before their output is written.
  void add(std::string_view line);
  /// Encodes and writes every line added so far; throws the first error, if any.
  void finish();

 private:
  struct Batch;
  void dispatch();  // hand the filling batch to the workers, then write the one before
  void collect();   // wait for the in-flight batch; rethrow its first error
  void encode_share(Batch& batch, unsigned k, size_t first, size_t last) noexcept;  // on worker k

  const Gpt2Tokenizer& tokenizer_;
  std::string path_;
  Options options_;
  Write write_;
  std::vector<BpeCache> caches_;  // one per worker, kept across batches (hot pieces stay)
  std::unique_ptr<Batch> filling_, in_flight_;
  size_t lines_ = 0;  // lines added so far
};

}  // namespace spikebench::datasets
