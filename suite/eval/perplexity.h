#pragma once
// Zero-shot WikiText-103 perplexity and LAMBADA, as Megatron-LM's tasks/zeroshot_gpt computes
// them (evaluate.py, datasets.py: _LMDataset with --overlapping-eval, _LambadaDataset).
//
// WikiText-103 (Megatron's WIKITEXT103 task). The raw wiki.test.tokens is detokenized
// (wikitext_detokenizer), then tokenized as one string into N ids. Megatron's _LMDataset cuts
// it into windows of seq_len + 1 ids (inputs ids[s, s+seq_len), targets ids[s+1, s+seq_len]):
//   stride           = overlapping_eval (default 32; = seq_len means disjoint windows)
//   window k starts at s = k * overlapping_eval
//   number of windows  = max(ceil(max(N - 1 - overlapping_eval, 0) / overlapping_eval) + 1, 1)
//   window 0 scores all of its targets; every later window scores only its LAST
//   overlapping_eval targets (Megatron zeroes pad_mask[:-overlapping_eval]), so each of the
//   N - 1 targets is scored exactly once with at least seq_len - overlapping_eval tokens of
//   context, and the first k windows score min(N - 1, seq_len + (k - 1) * overlapping_eval).
// Short windows at the end are padded (Megatron with <|endoftext|>, here with id 0; padding lies
// after every scored position, so under the causal mask it changes nothing). Megatron's window
// count subtracts overlapping_eval, not seq_len, for the first window, so its last ~(seq_len -
// overlapping_eval) / overlapping_eval windows score nothing; they are counted in `windows` like
// Megatron's __len__ but not run through the model.
//   ppl          = exp(total / tokens_scored)                    (per BPE token; Megatron "ppl")
//   adjusted_ppl = exp(total / tokens_scored * (N - 1) / (W - 1)), W = Megatron's original word
//                  count len(raw.strip().split(" ")) = 245,566 for wiki.test.tokens. On the full
//                  set tokens_scored = N - 1, so this is exactly Megatron's
//                  exp(total / (W - 1)) ("adjusted ppl": per original word). With a --limit it
//                  extrapolates the per-token mean with the whole file's token ratio.
// Megatron clamps the exponent at 20; we do not (a finite loss gives a finite number, and
// clamping would hide how bad a run is).
//
// Which number Table 1 of the paper compares with: the ADJUSTED (word-level) perplexity. The
// paper trains with Megatron-LM and does not say; we conclude it from (a) Megatron-LM's own
// paper defining WikiText-103 PPL with T_o, the number of original tokens (its adjusted ppl),
// and the zero-shot script printing it as the headline, and (b) magnitudes: Table 1's 350M
// reaches 30.03 and 1.7B 22.58 after ~38B C4 tokens, which sit between GPT-2 small (37.50) and
// medium (26.37) and near GPT-2 large (22.05), whose WikiText-103 numbers are word-level. Read as
// per-BPE-token values they would be 30^1.1008 ~ 42 per word (GPT-2 BPE of the detokenized
// test file: N = 270,330 ids, token ratio 270,329 / 245,565), worse than GPT-2 small.
// baselines/ and checks must therefore compare `adjusted_ppl`, never `ppl`.
//
// LAMBADA (Megatron's LAMBADA task, OpenAI's lambada_test.jsonl). strict (--strict-lambada):
// last word = text.split()[-1] (Python whitespace), context = text[:rfind(word)].strip(),
// ids = tokenize(context) + tokenize(" " + word), target = all ids of " " + word. Not strict
// (Megatron's default): ids = tokenize(text), target = the last id only. An example counts as
// correct iff EVERY target id is the argmax of the logits at its position (Megatron multiplies
// the per-position "correct" flags over the target mask); accuracy = correct / examples.
// ppl = exp(target NLL summed over all examples / number of target ids) (per target token);
// word_ppl = exp(same sum / examples) (per last word). Megatron reports only accuracy; the
// paper's Table 1 LAMBADA column is a perplexity whose normalization it does not state, so
// both are reported. Megatron never truncates (its seq_len 1024/2048 fits every passage); here a
// passage longer than seq_len + 1 ids keeps its last seq_len + 1 (context cut on the left) and
// is counted in `truncated`; a target longer than seq_len ids is an Error.
//
// Both evaluations run the model in eval mode (dropout off; the previous mode is restored) under
// NoGradGuard, score log_softmax in fp32 and sum in fp64. A non-finite loss on any scored
// position throws spikebench::Error (naming the window / example): NaN never reaches a result,
// and the caller marks the run instead.
#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "models/decoder.h"

namespace spikebench {
class Progress;
namespace datasets {
class Gpt2Tokenizer;
}
}  // namespace spikebench

namespace spikebench::eval {

/// Text -> token ids. gpt2_tokenize for real models (V = 50257), byte_tokenize for the
/// byte-level CPU proxy (V = 256).
using Tokenize = std::function<std::vector<int32_t>(std::string_view)>;
/// GPT-2 BPE encode_ordinary (tiktoken's; no special tokens). `tok` must outlive the function.
Tokenize gpt2_tokenize(const datasets::Gpt2Tokenizer& tok);
/// The UTF-8 bytes as ids 0..255.
Tokenize byte_tokenize();

/// (B,T) int64 token ids -> (B,T,V) logits, on any device. A DecoderLM is wrapped into one.
using LogitsFn = std::function<torch::Tensor(const torch::Tensor& tokens)>;

// ---- WikiText-103 --------------------------------------------------------------------------

/// A WikiText file ready for scoring: tokenized once, shared by every model evaluated.
struct WikiTextEval {
  std::string path;
  std::vector<int32_t> tokens;      ///< tokenize(wikitext_detokenize(raw)): N ids
  int64_t num_original_tokens = 0;  ///< W: Megatron's len(raw.strip().split(" "))
  int64_t num_tokens() const { return int64_t(tokens.size()); }
};

/// Reads, detokenizes (Megatron's wikitext_detokenizer) and tokenizes `path`.
WikiTextEval prepare_wikitext(const std::filesystem::path& path, const Tokenize& tokenize);

/// One of Megatron's _LMDataset windows, in ids of the token stream.
struct Window {
  int64_t start = 0;        ///< first input id: k * overlap
  int64_t length = 0;       ///< real ids in the window (<= seq_len + 1), rest is padding
  int64_t score_begin = 0;  ///< first scored target, as a position in [0, seq_len)
  int64_t score_end = 0;    ///< one past the last scored target (<= length - 1)
  int64_t scored() const { return score_end > score_begin ? score_end - score_begin : 0; }
};
/// Megatron's windows for N ids (see the file comment); the first `limit` (0 = all).
std::vector<Window> megatron_windows(int64_t num_tokens, int64_t seq_len, int64_t overlap,
                                     int64_t limit = 0);

struct PerplexityResult {
  int64_t windows = 0;              ///< Megatron windows covered (including ones scoring nothing)
  int64_t tokens_scored = 0;        ///< targets scored (N - 1 on the full set)
  int64_t num_tokens = 0;           ///< N
  int64_t num_original_tokens = 0;  ///< W
  double total_loss = 0;            ///< sum of NLL over scored targets, nats
  double mean_loss = 0;             ///< total_loss / tokens_scored
  double ppl = 0;                   ///< exp(mean_loss): per token
  double adjusted_ppl = 0;          ///< exp(mean_loss * (N - 1) / (W - 1)): per original word
};

/// Megatron's overlapping evaluation; `batch` windows per forward; `limit` = first windows only
/// (0 = all). seq_len must not exceed the model's max_len. See the file comment.
PerplexityResult evaluate_wikitext(models::DecoderLM& model, const WikiTextEval& set,
                                   int64_t seq_len, int64_t overlap = 32, int64_t batch = 8,
                                   Progress* progress = nullptr, int64_t limit = 0);
/// The same with any logits function (tests; other model types). Ids are built on the CPU.
PerplexityResult evaluate_wikitext(const LogitsFn& forward, const WikiTextEval& set,
                                   int64_t seq_len, int64_t overlap = 32, int64_t batch = 8,
                                   Progress* progress = nullptr, int64_t limit = 0);

// ---- LAMBADA -------------------------------------------------------------------------------

struct LambadaItem {
  std::vector<int32_t> context, target;
};
/// LAMBADA tokenized both ways Megatron does (strict and default), once.
struct LambadaEval {
  std::string path;
  std::vector<LambadaItem> strict;    ///< tokenize(context), tokenize(" " + last word)
  std::vector<LambadaItem> default_;  ///< tokenize(text) split before its last id
  const std::vector<LambadaItem>& items(bool is_strict) const {
    return is_strict ? strict : default_;
  }
};

/// Megatron's strict split of a passage: {context stripped, last word} (see file comment).
/// Differs from datasets::split_lambada (last ' ') on passages whose last word follows '\n'.
std::pair<std::string, std::string> megatron_strict_split(std::string_view text);

/// Reads lambada_test.jsonl ({"text": ...} per line) and tokenizes every passage.
LambadaEval prepare_lambada(const std::filesystem::path& path, const Tokenize& tokenize);

struct LambadaResult {
  int64_t n = 0;              ///< examples evaluated
  int64_t correct = 0;        ///< examples whose every target id is the argmax
  int64_t target_tokens = 0;  ///< target ids scored
  int64_t truncated = 0;      ///< examples whose context was cut to fit seq_len + 1
  double total_loss = 0;      ///< sum of NLL over all target ids, nats
  double accuracy = 0;        ///< correct / n
  double ppl = 0;             ///< exp(total_loss / target_tokens)
  double word_ppl = 0;        ///< exp(total_loss / n)
};

/// LAMBADA accuracy and target perplexity; `limit` = first examples only (0 = all).
LambadaResult evaluate_lambada(models::DecoderLM& model, const LambadaEval& set, int64_t seq_len,
                               bool strict = true, Progress* progress = nullptr, int64_t limit = 0,
                               int64_t batch = 8);
LambadaResult evaluate_lambada(const LogitsFn& forward, const LambadaEval& set, int64_t seq_len,
                               bool strict = true, Progress* progress = nullptr, int64_t limit = 0,
                               int64_t batch = 8);

// ---- scoring core --------------------------------------------------------------------------

/// Scores logits (B,T,V) against targets (B,T) int64 where mask (B,T) bool is set:
/// per-row NLL sums (fp64), per-row scored counts, and whether every scored position of a row
/// has its target as the argmax (rows with nothing scored count as all-correct, as in Megatron).
struct Scores {
  std::vector<double> row_loss;
  std::vector<int64_t> row_count;
  std::vector<bool> row_all_correct;
  double total_loss = 0;
  int64_t count = 0;
  bool finite = true;  ///< false if any scored NLL is NaN or infinite
};
Scores score_logits(const torch::Tensor& logits, const torch::Tensor& targets,
                    const torch::Tensor& mask);

}  // namespace spikebench::eval
