// Megatron-LM zero-shot evaluation (tasks/zeroshot_gpt): WikiText-103 overlapping-window
// perplexity (_LMDataset) and LAMBADA accuracy (_LambadaDataset, strict_lambada), plus target
// perplexity. Definitions and the choices made here are in perplexity.h.
#include "suite/eval/perplexity.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "datasets/bpe.h"
#include "datasets/lambada.h"
#include "datasets/pystr.h"
#include "datasets/utf8.h"
#include "datasets/wikitext.h"
#include "suite/progress.h"

namespace spikebench::eval {
namespace {

constexpr int64_t kPadId = 0;  // any valid id: padding only follows scored positions (causal)

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

/// Eval mode and no autograd for the guard's lifetime; restores the previous training mode.
class EvalModeGuard {
 public:
  explicit EvalModeGuard(models::DecoderLM& m) : model_(m), was_training_(m->is_training()) {
    model_->eval();
  }
  ~EvalModeGuard() { model_->train(was_training_); }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  models::DecoderLM& model_;
  bool was_training_;
  torch::NoGradGuard no_grad_;
};

void check_ids_fit(const std::vector<int32_t>& ids, int64_t vocab, const std::string& what) {
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0 || ids[i] >= vocab)
      fail(what, ": token id ", ids[i], " at position ", i,
           " is outside the model's vocabulary [0, ", vocab,
           "); use the tokenizer that matches the model (GPT-2 BPE for V = 50257, bytes "
           "for V = 256)");
}

LogitsFn wrap(models::DecoderLM& model) {
  const torch::Device device = model->token_embedding.device();
  return [&model, device](const torch::Tensor& tokens) {
    return model->forward(tokens.to(device));  // (B,T) -> (B,T,V)
  };
}

}  // namespace

Tokenize gpt2_tokenize(const datasets::Gpt2Tokenizer& tok) {
  return [&tok](std::string_view text) {
    // Large inputs (a whole WikiText file) on all cores; the result equals encode_ordinary's.
    return text.size() > (size_t(1) << 16) ? tok.encode_parallel(text) : tok.encode_ordinary(text);
  };
}

Tokenize byte_tokenize() {
  return [](std::string_view text) {
    std::vector<int32_t> ids(text.size());
    for (size_t i = 0; i < text.size(); ++i) ids[i] = static_cast<unsigned char>(text[i]);
    return ids;
  };
}

// ---- scoring core --------------------------------------------------------------------------

Scores score_logits(const torch::Tensor& logits, const torch::Tensor& targets,
                    const torch::Tensor& mask) {
  if (logits.dim() != 3 || targets.sizes().vec() != logits.sizes().slice(0, 2).vec() ||
      mask.sizes().vec() != logits.sizes().slice(0, 2).vec())
    fail("score_logits: expected logits (B,T,V), targets and mask (B,T); got ", logits.sizes(),
         ", ", targets.sizes(), ", ", mask.sizes());
  const int64_t B = logits.size(0);
  const auto dev = logits.device();
  const auto m = mask.to(dev, torch::kBool);                  // (B,T)
  const auto rows = m.nonzero().select(1, 0);                 // (K) row of each scored position
  const auto sel = logits.index({m}).to(torch::kFloat);       // (K,V): only scored positions
  const auto tgt = targets.to(dev, torch::kLong).index({m});  // (K)
  const auto nll =
      torch::logsumexp(sel, -1) - sel.gather(-1, tgt.unsqueeze(-1)).squeeze(-1);  // (K)
  const auto wrong = (sel.argmax(-1) != tgt).to(torch::kDouble);                  // (K)
  auto opts = torch::TensorOptions().dtype(torch::kDouble).device(dev);
  const auto row_loss = torch::zeros({B}, opts).index_add_(0, rows, nll.to(torch::kDouble)).cpu();
  const auto row_wrong = torch::zeros({B}, opts).index_add_(0, rows, wrong).cpu();
  const auto row_count = m.sum(1).to(torch::kLong).cpu();

  Scores s;
  s.finite = nll.numel() == 0 || torch::isfinite(nll).all().item<bool>();
  auto loss_a = row_loss.accessor<double, 1>();
  auto wrong_a = row_wrong.accessor<double, 1>();
  auto count_a = row_count.accessor<int64_t, 1>();
  for (int64_t b = 0; b < B; ++b) {
    s.row_loss.push_back(loss_a[b]);
    s.row_count.push_back(count_a[b]);
    s.row_all_correct.push_back(wrong_a[b] == 0);
    s.total_loss += loss_a[b];
    s.count += count_a[b];
  }
  return s;
}

// ---- WikiText-103 --------------------------------------------------------------------------

WikiTextEval prepare_wikitext(const std::filesystem::path& path, const Tokenize& tokenize) {
  const datasets::WikiTextEvalSet raw = datasets::load_wikitext(path);
  WikiTextEval set;
  set.path = path.string();
  set.tokens = tokenize(raw.text);
  set.num_original_tokens = int64_t(raw.num_original_tokens);
  return set;
}

std::vector<Window> megatron_windows(int64_t num_tokens, int64_t seq_len, int64_t overlap,
                                     int64_t limit) {
  if (seq_len < 1) fail("perplexity: seq_len must be >= 1 (got ", seq_len, ")");
  if (overlap < 1 || overlap > seq_len)
    fail("perplexity: overlapping_eval must be in [1, seq_len = ", seq_len, "] (got ", overlap,
         ")");
  // _LMDataset.__init__: total_targets = N - 1; "remove first sequence tokens" subtracts
  // overlapping_eval (not seq_len); sequences = max(ceil(targets / overlap) + 1, 1).
  const int64_t targets = std::max<int64_t>(num_tokens - 1 - overlap, 0);
  int64_t count = std::max<int64_t>((targets + overlap - 1) / overlap + 1, 1);
  if (limit > 0) count = std::min(count, limit);
  std::vector<Window> out;
  out.reserve(size_t(count));
  for (int64_t k = 0; k < count; ++k) {
    Window w;
    w.start = k * overlap;  // __getitem__: tokens[start : start + seq_len + 1]
    w.length = std::max<int64_t>(std::min(w.start + seq_len + 1, num_tokens) - w.start, 0);
    const int64_t real_targets = std::max<int64_t>(w.length - 1, 0);
    // pad_mask[:-overlap] = 0 after the first window (unless windows are disjoint).
    w.score_begin = (k == 0 || overlap == seq_len) ? 0 : seq_len - overlap;
    w.score_end = std::max(real_targets, w.score_begin);
    out.push_back(w);
  }
  return out;
}

PerplexityResult evaluate_wikitext(const LogitsFn& forward, const WikiTextEval& set,
                                   int64_t seq_len, int64_t overlap, int64_t batch,
                                   Progress* progress, int64_t limit) {
  const int64_t N = set.num_tokens();
  if (N < 2) fail(set.path, ": ", N, " token(s) after tokenization; nothing to score");
  if (set.num_original_tokens < 2) fail(set.path, ": fewer than 2 original words");
  if (batch < 1) fail("perplexity: batch must be >= 1 (got ", batch, ")");
  const auto windows = megatron_windows(N, seq_len, overlap, limit);
  std::vector<size_t> runnable;  // windows that score at least one target
  for (size_t i = 0; i < windows.size(); ++i)
    if (windows[i].scored() > 0) runnable.push_back(i);

  PerplexityResult r;
  r.windows = int64_t(windows.size());
  r.num_tokens = N;
  r.num_original_tokens = set.num_original_tokens;
  if (progress) progress->begin("wikitext " + set.path, int64_t(runnable.size()));
  const int32_t* ids = set.tokens.data();
  for (size_t b0 = 0; b0 < runnable.size(); b0 += size_t(batch)) {
    const size_t b1 = std::min(runnable.size(), b0 + size_t(batch));
    const int64_t B = int64_t(b1 - b0);
    int64_t T = 0;
    for (size_t i = b0; i < b1; ++i) T = std::max(T, windows[runnable[i]].length - 1);
    auto inputs = torch::full({B, T}, kPadId, torch::kLong);   // (B,T)
    auto targets = torch::full({B, T}, kPadId, torch::kLong);  // (B,T)
    auto mask = torch::zeros({B, T}, torch::kBool);            // (B,T)
    auto in_a = inputs.accessor<int64_t, 2>();
    auto tg_a = targets.accessor<int64_t, 2>();
    auto m_a = mask.accessor<bool, 2>();
    for (int64_t r_ = 0; r_ < B; ++r_) {
      const Window& w = windows[runnable[b0 + size_t(r_)]];
      for (int64_t t = 0; t + 1 < w.length; ++t) {
        in_a[r_][t] = ids[w.start + t];
        tg_a[r_][t] = ids[w.start + t + 1];
      }
      for (int64_t t = w.score_begin; t < w.score_end; ++t) m_a[r_][t] = true;
    }
    const Scores s = score_logits(forward(inputs), targets, mask);  // logits (B,T,V)
    if (!s.finite)
      fail(set.path, ": non-finite loss in windows ", runnable[b0], "..", runnable[b1 - 1], " (of ",
           windows.size(), "); the model has diverged");
    r.total_loss += s.total_loss;
    r.tokens_scored += s.count;
    if (progress)
      progress->update(int64_t(b1),
                       fmt("ppl %.3f", std::exp(r.total_loss / double(r.tokens_scored))));
  }
  r.mean_loss = r.total_loss / double(r.tokens_scored);
  r.ppl = std::exp(r.mean_loss);
  const double token_ratio = double(N - 1) / double(set.num_original_tokens - 1);
  r.adjusted_ppl = std::exp(r.mean_loss * token_ratio);
  if (!std::isfinite(r.ppl) || !std::isfinite(r.adjusted_ppl))
    fail(set.path, ": perplexity overflows (mean loss ", r.mean_loss, " nats)");
  if (progress)
    progress->end(fmt("ppl %.4f", r.ppl) + fmt(", adjusted ppl %.4f", r.adjusted_ppl) + " over " +
                  std::to_string(r.tokens_scored) + " tokens");
  return r;
}

PerplexityResult evaluate_wikitext(models::DecoderLM& model, const WikiTextEval& set,
                                   int64_t seq_len, int64_t overlap, int64_t batch,
                                   Progress* progress, int64_t limit) {
  if (seq_len > model->config().max_len)
    fail("perplexity: seq_len ", seq_len, " exceeds the model's max_len ", model->config().max_len);
  check_ids_fit(set.tokens, model->config().vocab, set.path);
  EvalModeGuard guard(model);
  return evaluate_wikitext(wrap(model), set, seq_len, overlap, batch, progress, limit);
}

// ---- LAMBADA -------------------------------------------------------------------------------

std::pair<std::string, std::string> megatron_strict_split(std::string_view text) {
  // last_token = text.split()[-1]; start = text.rfind(last_token) (= where that last word
  // starts: a later occurrence could only lie in trailing whitespace); context =
  // text[:start].strip()
  size_t word_start = std::string_view::npos, word_end = 0;
  bool in_word = false;
  for (size_t i = 0, len; i < text.size(); i += len) {
    const uint32_t cp =
        datasets::decode_utf8(reinterpret_cast<const unsigned char*>(text.data()) + i, len);
    if (datasets::py_isspace(cp)) {
      in_word = false;
    } else {
      if (!in_word) word_start = i;
      in_word = true;
      word_end = i + len;
    }
  }
  if (word_start == std::string_view::npos) fail("LAMBADA passage has no word");
  return {std::string(datasets::py_strip(text.substr(0, word_start))),
          std::string(text.substr(word_start, word_end - word_start))};
}

LambadaEval prepare_lambada(const std::filesystem::path& path, const Tokenize& tokenize) {
  LambadaEval set;
  set.path = path.string();
  const auto examples = datasets::read_lambada(path);
  for (size_t i = 0; i < examples.size(); ++i) {
    const std::string& text = examples[i].text;
    auto [context, word] = megatron_strict_split(text);
    set.strict.push_back({tokenize(context), tokenize(" " + word)});
    std::vector<int32_t> all = tokenize(text);
    if (all.size() < 2) fail(set.path, ":", i + 1, ": passage has fewer than 2 tokens");
    LambadaItem item;
    item.target = {all.back()};
    all.pop_back();
    item.context = std::move(all);
    set.default_.push_back(std::move(item));
  }
  return set;
}

LambadaResult evaluate_lambada(const LogitsFn& forward, const LambadaEval& set, int64_t seq_len,
                               bool strict, Progress* progress, int64_t limit, int64_t batch) {
  if (seq_len < 1 || batch < 1)
    fail("lambada: seq_len and batch must be >= 1 (got ", seq_len, ", ", batch, ")");
  const auto& items = set.items(strict);
  const int64_t n =
      limit > 0 ? std::min<int64_t>(limit, int64_t(items.size())) : int64_t(items.size());
  if (n == 0) fail(set.path, ": no LAMBADA examples");
  LambadaResult r;
  if (progress)
    progress->begin(std::string("lambada") + (strict ? " (strict) " : " ") + set.path, n);
  std::vector<std::vector<int32_t>> seqs;
  std::vector<int64_t> target_len;
  for (int64_t b0 = 0; b0 < n; b0 += batch) {
    const int64_t b1 = std::min(n, b0 + batch), B = b1 - b0;
    seqs.clear(), target_len.clear();
    int64_t T = 0;
    for (int64_t i = b0; i < b1; ++i) {
      const LambadaItem& it = items[size_t(i)];
      const int64_t tl = int64_t(it.target.size());
      if (tl == 0 || it.context.empty())
        fail(set.path, ":", i + 1, ": LAMBADA example with an empty context or target");
      if (tl > seq_len)
        fail(set.path, ":", i + 1, ": target of ", tl, " tokens does not fit seq_len ", seq_len);
      std::vector<int32_t> ids(it.context);
      ids.insert(ids.end(), it.target.begin(), it.target.end());
      if (int64_t(ids.size()) > seq_len + 1) {
        ids.erase(ids.begin(), ids.end() - (seq_len + 1));  // keep the last seq_len + 1
        ++r.truncated;
      }
      T = std::max(T, int64_t(ids.size()) - 1);
      seqs.push_back(std::move(ids));
      target_len.push_back(tl);
    }
    auto inputs = torch::full({B, T}, kPadId, torch::kLong);   // (B,T)
    auto targets = torch::full({B, T}, kPadId, torch::kLong);  // (B,T)
    auto mask = torch::zeros({B, T}, torch::kBool);            // (B,T): the target word's ids
    auto in_a = inputs.accessor<int64_t, 2>();
    auto tg_a = targets.accessor<int64_t, 2>();
    auto m_a = mask.accessor<bool, 2>();
    for (int64_t b = 0; b < B; ++b) {
      const auto& ids = seqs[size_t(b)];
      const int64_t L = int64_t(ids.size());
      for (int64_t t = 0; t + 1 < L; ++t) in_a[b][t] = ids[t], tg_a[b][t] = ids[t + 1];
      for (int64_t t = L - 1 - target_len[size_t(b)]; t < L - 1; ++t) m_a[b][t] = true;
    }
    const Scores s = score_logits(forward(inputs), targets, mask);  // logits (B,T,V)
    if (!s.finite)
      fail(set.path, ": non-finite loss in examples ", b0 + 1, "..", b1,
           "; the model has diverged");
    for (int64_t b = 0; b < B; ++b) r.correct += s.row_all_correct[size_t(b)] ? 1 : 0;
    r.total_loss += s.total_loss;
    r.target_tokens += s.count;
    r.n += B;
    if (progress) progress->update(r.n, fmt("acc %.4f", double(r.correct) / double(r.n)));
  }
  r.accuracy = double(r.correct) / double(r.n);
  r.ppl = std::exp(r.total_loss / double(r.target_tokens));
  r.word_ppl = std::exp(r.total_loss / double(r.n));
  if (!std::isfinite(r.ppl) || !std::isfinite(r.word_ppl))
    fail(set.path, ": LAMBADA perplexity overflows (total loss ", r.total_loss, " nats)");
  if (progress)
    progress->end(fmt("accuracy %.4f", r.accuracy) + fmt(", ppl %.4f", r.ppl) +
                  fmt(", word ppl %.4f", r.word_ppl) + " over " + std::to_string(r.n) +
                  " examples");
  return r;
}

LambadaResult evaluate_lambada(models::DecoderLM& model, const LambadaEval& set, int64_t seq_len,
                               bool strict, Progress* progress, int64_t limit, int64_t batch) {
  if (seq_len > model->config().max_len)
    fail("lambada: seq_len ", seq_len, " exceeds the model's max_len ", model->config().max_len);
  for (const auto& it : set.items(strict)) {
    check_ids_fit(it.context, model->config().vocab, set.path);
    check_ids_fit(it.target, model->config().vocab, set.path);
  }
  EvalModeGuard guard(model);
  return evaluate_lambada(wrap(model), set, seq_len, strict, progress, limit, batch);
}

}  // namespace spikebench::eval
