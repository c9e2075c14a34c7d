#pragma once
// Corpus and sentence BLEU (Papineni et al., 2002) identical to sacrebleu v2.6.0 (Post, 2018,
// "A Call for Clarity in Reporting BLEU Scores"): tokenizers 13a/intl/none/char, lowercasing,
// smoothing none/floor/add-k/exp (Chen & Cherry, 2014), effective order, signature and score line.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/ngram_stats.h"
#include "metrics/tokenizer.h"

namespace spikebench::text {

/// The sacrebleu release whose behaviour this file reproduces; it is the signature's `version:`.
inline constexpr const char* kSacrebleuVersion = "2.6.0";

/// BLEU's settings, with sacrebleu's names and defaults (sacrebleu.metrics.BLEU.__init__).
struct BleuOptions {
  std::string tokenize = "13a";        // 13a | intl | none | char
  bool lowercase = false;              // signature case:lc instead of case:mixed
  std::string smooth_method = "exp";   // none | floor | add-k | exp
  std::optional<double> smooth_value;  // floor: 0.1, add-k: 1 when unset
  int max_ngram_order = 4;             // N, e.g. 4
  bool effective_order = false;        // sentence BLEU: true
};

/// A BLEU result, as sacrebleu's BLEUScore. `counts`/`totals` are after add-k smoothing (which
/// sacrebleu applies in place), hence doubles; precisions and score are percentages.
struct BleuScore {
  double score = 0.0;
  std::vector<double> counts, totals, precisions;
  double bp = 0.0;
  int64_t sys_len = 0, ref_len = 0;

  /// sys_len / ref_len, 0 when ref_len is 0.
  double ratio() const;
  /// "58.1/32.0/19.9/12.7 (BP = 1.000 ratio = 1.012 hyp_len = 63134 ref_len = 62688)"
  std::string verbose() const;
};

/// sacrebleu's BLEU.compute_bleu: score from sufficient statistics.
///   BP = 1 if c >= r else exp(1 - r/c) (0 when c = 0);  BLEU = BP · exp(Σ_n log p_n / N)
/// with p_n = 100·correct_n/total_n, smoothed for zero matches (floor: 100·k/total_n; exp: the
/// mteval-v13a rule 100/(2^j·total_n) for the j-th zero; add-k: k added to counts and totals for
/// n > 1; none: log 0 floored to -9999999999), and N = the last order with total_n > 0 when
/// effective_order. Score 0 when no n-gram matches at all.
BleuScore compute_bleu(std::vector<double> correct, std::vector<double> total, int64_t sys_len,
                       int64_t ref_len, const std::string& smooth_method = "none",
                       std::optional<double> smooth_value = std::nullopt,
                       bool effective_order = false, int max_ngram_order = 4);

/// A BLEU scorer with fixed options. Not thread-safe (it reuses buffers); one per thread.
class Bleu {
 public:
  explicit Bleu(BleuOptions options = {});

  /// Corpus BLEU of `hyps` against `refs`, one stream per reference (refs[k][i] is the k-th
  /// reference of segment i). Every stream must have as many lines as `hyps`.
  BleuScore corpus_score(const std::vector<std::string>& hyps,
                         const std::vector<std::vector<std::string>>& refs);
  /// Sentence BLEU: corpus BLEU of one segment (use effective_order = true, as sacrebleu's
  /// sentence_bleu does).
  BleuScore sentence_score(const std::string& hyp, const std::vector<std::string>& refs);

  /// Per-segment statistics, for bootstrap or for scoring many systems against one reference.
  std::vector<BleuStats> corpus_stats(const std::vector<std::string>& hyps,
                                      const std::vector<std::vector<std::string>>& refs);
  BleuScore score_from_stats(const BleuStats& stats) const;
  /// sacrebleu's _preprocess_segment: lowercase (optional), rstrip, tokenize.
  std::string preprocess(std::string_view segment) const;

  /// "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0" (nrefs -1 prints "var").
  std::string signature(int num_refs) const;
  const BleuOptions& options() const { return options_; }

 private:
  BleuOptions options_;
  std::unique_ptr<Tokenizer> tokenizer_;
  NgramMatcher matcher_;
};

/// The sacrebleu default smoothing value of a method (floor 0.1, add-k 1), nullopt for none/exp;
/// an unknown method is an Error.
std::optional<double> default_smooth_value(const std::string& smooth_method);

/// sacrebleu's text line: "BLEU|<signature> = 26.9 58.1/32.0/19.9/12.7 (BP = ...)", the score
/// with `width` decimals.
std::string format_score_line(const BleuScore& score, const std::string& signature, int width = 1);
/// sacrebleu's `--format json` object (json.dumps(..., indent=1)): name, score (rounded to
/// `width`), signature, verbose_score, then each signature field.
std::string format_score_json(const BleuScore& score, const std::string& signature, int width = 1);

}  // namespace spikebench::text
