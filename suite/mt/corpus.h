#pragma once
// The MT data path (App. D at proxy scale): the Moses-tokenized WMT En-De training sample turned
// back into plain text (moses_detokenize), the shared GPT-2 BPE vocabulary (optionally restricted
// to the ids the training data uses, plus pad/bos/eos/unk), token-based batches (fairseq's
// --max-tokens), and the newstest sources / references.
#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "datasets/bpe.h"

namespace spikebench::mt {

/// Moses escapes back to characters: &amp; &lt; &gt; &quot; &apos; &#124; &#91; &#93;.
std::string moses_unescape(std::string_view s);

/// Un-escapes, then joins Moses tokens with these rules (a simplified detokenizer.perl):
///  - no space before , . ! ? : ; % ) ] } or a token starting with an apostrophe ('s, 're, 't);
///  - no space after ( [ {;
///  - straight double quotes alternate: the 1st, 3rd, ... attach to the next token, the 2nd,
///    4th, ... to the previous one;
///  - " @-@ " (aggressive hyphen splitting) becomes "-".
std::string moses_detokenize(std::string_view tokenized);

/// The shared vocabulary: specials 0..3, then GPT-2 ids (all of them, or only those in use).
class Vocab {
 public:
  static constexpr int64_t kPad = 0, kBos = 1, kEos = 2, kUnk = 3, kSpecials = 4;
  /// Every GPT-2 id (V = 50257 + 4).
  static Vocab full();
  /// The GPT-2 ids occurring in `corpora` (sorted by id), V = their count + 4; with max_ids > 0
  /// only the max_ids most frequent ones (ties: smaller id first), the rest become unk.
  static Vocab restricted(const std::vector<std::vector<int32_t>>& corpora, int64_t max_ids = 0);
  int64_t size() const { return kSpecials + static_cast<int64_t>(to_gpt2_.size()); }
  bool is_restricted() const { return restricted_; }
  /// GPT-2 ids -> local ids (ids outside the vocabulary become unk).
  std::vector<int64_t> encode(const std::vector<int32_t>& gpt2) const;
  /// Local ids -> GPT-2 ids (specials dropped).
  std::vector<int32_t> decode(const std::vector<int64_t>& local) const;

 private:
  bool restricted_ = false;
  std::vector<int32_t> to_gpt2_;
  std::unordered_map<int32_t, int64_t> from_gpt2_;
};

/// A sentence pair in local ids: src ends with eos; tgt has neither bos nor eos.
struct Pair {
  std::vector<int64_t> src, tgt;
};

/// One training batch: src (n,S), prev = bos + tgt (n,T), target = tgt + eos (n,T); pad 0.
struct Batch {
  torch::Tensor src, prev, target;
  int64_t target_tokens = 0;
};

/// fairseq's batch_by_size: pairs sorted by (|src|, |tgt|), cut so that
/// n · max(S, T) <= max_tokens (padding counted); a pair longer than max_tokens is an Error.
std::vector<Batch> make_batches(const std::vector<Pair>& pairs, int64_t max_tokens);

/// Source-side tensor (n,S) pad-right of token lists (each already ending with eos).
torch::Tensor pad_right(const std::vector<std::vector<int64_t>>& rows, int64_t pad);

/// The first `lines` lines (0 = all) of both sides of the Moses-tokenized training sample,
/// detokenized and GPT-2 encoded.
struct TrainText {
  std::vector<std::vector<int32_t>> src, tgt;
  std::vector<std::string> src_text, tgt_text;  // the detokenized lines
};
TrainText read_train_text(const std::filesystem::path& src_file,
                          const std::filesystem::path& tgt_file, int64_t lines,
                          const datasets::Gpt2Tokenizer& bpe);

/// UTF-8 text of GPT-2 ids; invalid byte sequences (a hypothesis may end mid-character) become
/// U+FFFD, as Python's bytes.decode(errors="replace") does.
std::string detokenize_bpe(const datasets::Gpt2Tokenizer& bpe, const std::vector<int32_t>& ids);

}  // namespace spikebench::mt
