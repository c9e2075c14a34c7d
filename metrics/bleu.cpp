// BLEU score formula, corpus/sentence scoring, signature and sacrebleu-style output; a C++
// re-implementation of sacrebleu v2.6.0 metrics/bleu.py and metrics/base.py (Score.format).
#include "metrics/bleu.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "metrics/unicode.h"

namespace spikebench::text {

namespace {

// sacrebleu utils.my_log: log floored at -9999999999 for 0.
double my_log(double x) { return x == 0.0 ? -9999999999.0 : std::log(x); }

std::string fixed(double x, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

// Python's repr(float(s)) for a plain decimal string s: the shortest round-trip digits.
std::string py_float_repr(const std::string& s) {
  const double x = std::strtod(s.c_str(), nullptr);
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed);
  std::string out(buf, res.ptr);
  if (out.find('.') == std::string::npos) out += ".0";
  return out;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::optional<double> default_smooth_value(const std::string& smooth_method) {
  // BLEU.SMOOTH_DEFAULTS, from Chen & Cherry (2014), http://aclweb.org/anthology/W14-3346.
  if (smooth_method == "floor") return 0.1;
  if (smooth_method == "add-k") return 1.0;
  if (smooth_method == "none" || smooth_method == "exp") return std::nullopt;
  fail("unknown BLEU smooth method '", smooth_method, "' (known: none, floor, add-k, exp)");
}

double BleuScore::ratio() const {
  return ref_len ? static_cast<double>(sys_len) / static_cast<double>(ref_len) : 0.0;
}

std::string BleuScore::verbose() const {
  std::string s;
  for (size_t i = 0; i < precisions.size(); ++i) s += (i ? "/" : "") + fixed(precisions[i], 1);
  s += " (BP = " + fixed(bp, 3) + " ratio = " + fixed(ratio(), 3) +
       " hyp_len = " + std::to_string(sys_len) + " ref_len = " + std::to_string(ref_len) + ")";
  return s;
}

BleuScore compute_bleu(std::vector<double> correct, std::vector<double> total, int64_t sys_len,
                       int64_t ref_len, const std::string& smooth_method,
                       std::optional<double> smooth_value, bool effective_order,
                       int max_ngram_order) {
  if (!smooth_value)
    smooth_value = default_smooth_value(smooth_method);
  else
    default_smooth_value(smooth_method);  // validates the name
  if (max_ngram_order < 1) fail("BLEU max n-gram order must be >= 1, got ", max_ngram_order);
  const size_t N = static_cast<size_t>(max_ngram_order);
  if (correct.size() < N || total.size() < N)
    fail("BLEU statistics have ", correct.size(), " orders, max n-gram order is ", N);

  BleuScore out;
  out.sys_len = sys_len;
  out.ref_len = ref_len;
  // Brevity penalty (Papineni et al., 2002, §2.2.2), with c = sys_len, r = ref_len.
  out.bp = 1.0;
  if (sys_len < ref_len)
    out.bp = sys_len > 0
                 ? std::exp(1.0 - static_cast<double>(ref_len) / static_cast<double>(sys_len))
                 : 0.0;
  out.precisions.assign(N, 0.0);

  // Early stop if there are no matches (sacrebleu #141).
  bool any = false;
  for (size_t n = 0; n < N; ++n) any = any || correct[n] != 0.0;
  if (!any) {
    out.counts = std::move(correct), out.totals = std::move(total);
    return out;
  }

  double smooth_mteval = 1.0;
  size_t eff_order = N;
  for (size_t n = 1; n <= N; ++n) {
    if (smooth_method == "add-k" && n > 1) {
      correct[n - 1] += *smooth_value;
      total[n - 1] += *smooth_value;
    }
    if (total[n - 1] == 0.0) break;
    // Effective order: the geometric mean runs only over orders the system produced.
    if (effective_order) eff_order = n;
    if (correct[n - 1] == 0.0) {
      if (smooth_method == "exp") {
        smooth_mteval *= 2.0;
        out.precisions[n - 1] = 100.0 / (smooth_mteval * total[n - 1]);
      } else if (smooth_method == "floor") {
        out.precisions[n - 1] = 100.0 * *smooth_value / total[n - 1];
      }
    } else {
      out.precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1];
    }
  }
  // BLEU = BP · exp(1/N Σ log p_n) (Papineni et al., 2002, §2.3), summed left to right as
  // Python's sum() does so that the result is bit-identical.
  double log_sum = 0.0;
  for (size_t n = 0; n < eff_order; ++n) log_sum += my_log(out.precisions[n]);
  out.score = out.bp * std::exp(log_sum / static_cast<double>(eff_order));
  out.counts = std::move(correct), out.totals = std::move(total);
  return out;
}

Bleu::Bleu(BleuOptions options)
    : options_(std::move(options)),
      tokenizer_(make_tokenizer(options_.tokenize)),
      matcher_(options_.max_ngram_order) {
  default_smooth_value(options_.smooth_method);  // validates the name
  if (options_.max_ngram_order < 1)
    fail("BLEU max n-gram order must be >= 1, got ", options_.max_ngram_order);
}

std::string Bleu::preprocess(std::string_view segment) const {
  if (options_.lowercase) {
    const std::string low = py_lower(segment);
    return (*tokenizer_)(py_rstrip(low));
  }
  return (*tokenizer_)(py_rstrip(segment));
}

std::vector<BleuStats> Bleu::corpus_stats(const std::vector<std::string>& hyps,
                                          const std::vector<std::vector<std::string>>& refs) {
  for (size_t k = 0; k < refs.size(); ++k)
    if (refs[k].size() != hyps.size())
      fail("BLEU: reference stream ", k + 1, " has ", refs[k].size(), " segments but there are ",
           hyps.size(), " hypotheses");
  std::vector<BleuStats> stats;
  stats.reserve(hyps.size());
  std::vector<std::string> ref_tok(refs.size());
  std::vector<std::string_view> ref_views(refs.size());
  for (size_t i = 0; i < hyps.size(); ++i) {
    for (size_t k = 0; k < refs.size(); ++k) {
      ref_tok[k] = preprocess(refs[k][i]);
      ref_views[k] = ref_tok[k];
    }
    const std::string hyp_tok = preprocess(hyps[i]);
    stats.push_back(matcher_.segment(hyp_tok, ref_views));
  }
  return stats;
}

BleuScore Bleu::score_from_stats(const BleuStats& stats) const {
  return compute_bleu(std::vector<double>(stats.correct.begin(), stats.correct.end()),
                      std::vector<double>(stats.total.begin(), stats.total.end()), stats.sys_len,
                      stats.ref_len, options_.smooth_method, options_.smooth_value,
                      options_.effective_order, options_.max_ngram_order);
}

BleuScore Bleu::corpus_score(const std::vector<std::string>& hyps,
                             const std::vector<std::vector<std::string>>& refs) {
  BleuStats sum(options_.max_ngram_order);
  for (const BleuStats& s : corpus_stats(hyps, refs)) sum += s;
  return score_from_stats(sum);
}

BleuScore Bleu::sentence_score(const std::string& hyp, const std::vector<std::string>& refs) {
  std::vector<std::vector<std::string>> streams;
  streams.reserve(refs.size());
  for (const std::string& r : refs) streams.push_back({r});
  return corpus_score({hyp}, streams);
}

std::string Bleu::signature(int num_refs) const {
  // BLEUSignature: smoothing value in brackets with 2 decimals for methods that take one.
  std::string smooth = options_.smooth_method;
  if (const auto def = default_smooth_value(smooth))
    smooth += "[" + fixed(options_.smooth_value.value_or(*def), 2) + "]";
  return "nrefs:" + (num_refs == -1 ? std::string("var") : std::to_string(num_refs)) +
         "|case:" + (options_.lowercase ? "lc" : "mixed") +
         "|eff:" + (options_.effective_order ? "yes" : "no") + "|tok:" + tokenizer_->signature() +
         "|smooth:" + smooth + "|version:" + kSacrebleuVersion;
}

std::string format_score_line(const BleuScore& score, const std::string& signature, int width) {
  const std::string name = signature.empty() ? "BLEU" : "BLEU|" + signature;
  return name + " = " + fixed(score.score, width) + " " + score.verbose();
}

std::string format_score_json(const BleuScore& score, const std::string& signature, int width) {
  std::string out = "{\n";
  out += " \"name\": \"BLEU\",\n";
  out += " \"score\": " + py_float_repr(fixed(score.score, width)) + ",\n";
  out += " \"signature\": \"" + json_escape(signature) + "\",\n";
  out += " \"verbose_score\": \"" + json_escape(score.verbose()) + "\"";
  size_t start = 0;
  while (!signature.empty() && start <= signature.size()) {
    size_t bar = signature.find('|', start);
    if (bar == std::string::npos) bar = signature.size();
    const std::string field = signature.substr(start, bar - start);
    const size_t colon = field.find(':');
    out += ",\n \"" + json_escape(field.substr(0, colon)) + "\": \"" +
           json_escape(colon == std::string::npos ? "" : field.substr(colon + 1)) + "\"";
    start = bar + 1;
  }
  return out + "\n}";
}

}  // namespace spikebench::text
