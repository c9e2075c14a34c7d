// Zero-shot evaluation (suite/eval/perplexity.h, Megatron-LM tasks/zeroshot_gpt): hand-computed
// scores, windowed vs full-sequence vs per-target forwards, and the real WikiText-103 / LAMBADA.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "core/data_dir.h"
#include "core/error.h"
#include "datasets/bpe.h"
#include "datasets/lambada.h"
#include "datasets/wikitext.h"
#include "models/config.h"
#include "models/decoder.h"
#include "suite/eval/perplexity.h"
#include "suite/progress.h"

using namespace spikebench::eval;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

// Closed forms are evaluated in double from fp32 logits: fp32 rounding of log-sum-exp.
constexpr double kClosedFormRtol = 1e-6;
// Two forward paths over the same weights (different batch shapes, summation order): fp32.
constexpr double kFp32PathRtol = 1e-5;

/// The "successor oracle": logits (B,T,V) with ln(3) at (x + 1) mod V and 0 elsewhere, so the
/// successor gets p = 3 / (3 + V - 1) and every other id 1 / (3 + V - 1). With V = 4: 1/2, 1/6.
LogitsFn successor_model(int64_t V) {
  return [V](const torch::Tensor& x) {
    auto next = (x + 1).remainder(V);                                      // (B,T)
    auto logits = torch::zeros({x.size(0), x.size(1), V}, torch::kFloat);  // (B,T,V)
    logits.scatter_(2, next.unsqueeze(-1), std::log(3.0));
    return logits;
  };
}

spikebench::models::DecoderLM tiny_model(uint64_t seed) {
  auto c = spikebench::models::flavor("tiny").config;
  c.dropout = 0.0;
  torch::manual_seed(seed);
  return spikebench::models::DecoderLM(c);
}

/// Ids 0..63 from text bytes (the tiny model's vocab is 64).
std::vector<int32_t> ids_mod64(const std::string& text) {
  std::vector<int32_t> ids;
  for (unsigned char ch : text) ids.push_back(int32_t(ch % 64));
  return ids;
}

WikiTextEval synthetic_set(std::vector<int32_t> ids, int64_t words) {
  WikiTextEval set;
  set.path = "<synthetic>";
  set.tokens = std::move(ids);
  set.num_original_tokens = words;
  return set;
}

}  // namespace

TEST_CASE("score_logits: NLL, count and all-correct equal a hand computation", "[eval]") {
  // Oracle: hand computation. Row 0: logits (0,0,0) target 1 -> -ln(1/3) = ln 3; (ln 2,0,0)
  // target 0 -> p = 2/4, ln 2; (0, ln 3, 0) target 2 -> p = 1/5, ln 5. Row 1: (0, ln 4, 0)
  // target 1 -> p = 4/6, ln(3/2), argmax correct; the other positions unscored.
  auto logits = torch::zeros({2, 3, 3});  // (B,T,V)
  logits[0][1][0] = std::log(2.0);
  logits[0][2][1] = std::log(3.0);
  logits[1][0][1] = std::log(4.0);
  logits[1][1][2] = 1e30;  // unscored positions never contribute, whatever their value
  auto targets = torch::tensor({{1, 0, 2}, {1, 0, 0}}, torch::kLong);  // (B,T)
  auto mask = torch::tensor({{1, 1, 1}, {1, 0, 0}}, torch::kBool);     // (B,T)
  const Scores s = score_logits(logits, targets, mask);
  CHECK(s.finite);
  CHECK(s.count == 4);
  CHECK(s.row_count == std::vector<int64_t>{3, 1});
  CHECK_THAT(s.row_loss[0], WithinRel(std::log(30.0), kClosedFormRtol));
  CHECK_THAT(s.row_loss[1], WithinRel(std::log(1.5), kClosedFormRtol));
  CHECK_THAT(s.total_loss, WithinRel(std::log(45.0), kClosedFormRtol));
  // ppl = exp(mean NLL) = 45^(1/4)
  CHECK_THAT(std::exp(s.total_loss / double(s.count)),
             WithinRel(std::pow(45.0, 0.25), kClosedFormRtol));
  // Row 0: position 2's argmax is 1, target 2 -> not all correct. Row 1: argmax 1 == target.
  CHECK(s.row_all_correct == std::vector<bool>{false, true});

  SECTION("a non-finite scored logit is reported, an unscored one is not") {
    logits[1][2][0] = std::nan("");
    CHECK(score_logits(logits, targets, mask).finite);
    logits[0][2][0] = std::nan("");
    CHECK_FALSE(score_logits(logits, targets, mask).finite);
  }
}

TEST_CASE("evaluate_wikitext on the successor oracle gives ppl 2 and Megatron's adjusted ppl",
          "[eval]") {
  // Oracle: closed form. Every target follows its input (x + 1 mod 4), p = 1/2 -> ppl = 2;
  // adjusted ppl = exp(ln 2 * (N - 1) / (W - 1)) with W = 6 original words.
  std::vector<int32_t> ids;
  for (int i = 0; i < 41; ++i) ids.push_back(i % 4);
  const auto set = synthetic_set(ids, /*words=*/6);
  const int64_t overlap = GENERATE(1, 3, 8);
  CAPTURE(overlap);
  const auto r = evaluate_wikitext(successor_model(4), set, /*seq_len=*/8, overlap, /*batch=*/3);
  CHECK(r.tokens_scored == 40);
  CHECK_THAT(r.total_loss, WithinRel(40 * std::log(2.0), kClosedFormRtol));
  CHECK_THAT(r.ppl, WithinRel(2.0, kClosedFormRtol));
  CHECK_THAT(r.adjusted_ppl, WithinRel(std::exp(40 * std::log(2.0) / 5), kClosedFormRtol));
}

TEST_CASE("megatron_windows: count, strides and scored ranges of _LMDataset", "[eval]") {
  // Oracle: Megatron's _LMDataset for N = 41, seq_len 8, overlapping_eval 3:
  // targets = 40 - 3 = 37, windows = ceil(37/3) + 1 = 14; window k starts at 3k; after the
  // first, pad_mask[:-3] = 0 leaves positions 5..7; windows from k = 12 on score nothing.
  const auto w = megatron_windows(41, 8, 3);
  REQUIRE(w.size() == 14);
  CHECK(w[0].start == 0);
  CHECK(w[0].score_begin == 0);
  CHECK(w[0].score_end == 8);
  CHECK(w[1].start == 3);
  CHECK(w[1].score_begin == 5);
  CHECK(w[1].score_end == 8);
  CHECK(w[11].start == 33);
  CHECK(w[11].length == 8);    // ids 33..40
  CHECK(w[11].scored() == 2);  // targets 39, 40
  CHECK(w[12].scored() == 0);
  CHECK(w[13].scored() == 0);
  int64_t total = 0;
  for (const auto& x : w) total += x.scored();
  CHECK(total == 40);
  // The first k windows score min(N - 1, seq_len + (k - 1) * overlap) targets.
  for (int64_t k = 1; k <= 14; ++k) {
    int64_t sum = 0;
    for (const auto& x : megatron_windows(41, 8, 3, k)) sum += x.scored();
    CHECK(sum == std::min<int64_t>(40, 8 + (k - 1) * 3));
  }
  // Disjoint windows (overlap = seq_len) score everything they hold.
  const auto d = megatron_windows(41, 8, 8);
  REQUIRE(d.size() == 5);  // ceil(32/8) + 1
  CHECK(d[1].score_begin == 0);
  CHECK(d[4].scored() == 8);
  CHECK_THROWS_AS(megatron_windows(41, 8, 9), spikebench::Error);
  CHECK_THROWS_AS(megatron_windows(41, 8, 0), spikebench::Error);
}

TEST_CASE("windowed evaluation equals independent forwards of the tiny decoder", "[eval]") {
  auto model = tiny_model(/*seed=*/7);
  model->eval();
  torch::NoGradGuard no_grad;
  const int64_t L = model->config().max_len;  // 16
  const std::string text =
      "Spike No More: loss spikes degrade large language models; small sub-layers and a large "
      "shortcut keep the gradient norm small.";

  SECTION("a text that fits one window: one full-sequence forward") {
    const auto ids = ids_mod64(text.substr(0, 12));
    // Oracle: one forward of all 11 inputs, torch cross_entropy (sum) against the 11 targets.
    auto x = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end() - 1)).unsqueeze(0);
    auto y = torch::tensor(std::vector<int64_t>(ids.begin() + 1, ids.end()));
    const double full = torch::nn::functional::cross_entropy(
                            model->forward(x).squeeze(0), y,
                            torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                            .item<double>();
    const auto r = evaluate_wikitext(model, synthetic_set(ids, 3), L, /*overlap=*/4, /*batch=*/2);
    CHECK(r.windows == 3);  // ceil((11 - 4) / 4) + 1; windows 1 and 2 score nothing
    CHECK(r.tokens_scored == 11);
    CHECK_THAT(r.total_loss, WithinRel(full, kFp32PathRtol));
  }

  SECTION("several windows: an explicit per-target loop") {
    const auto ids = ids_mod64(text);
    const int64_t N = int64_t(ids.size());
    const int64_t overlap = GENERATE(1, 4, 16);
    CAPTURE(N, overlap);
    // Oracle: target t (1 <= t < N) is predicted in the window starting at 0 if t <= L, else at
    // overlap * ceil((t - L) / overlap); a causal forward of ids[start, t) gives its logits last.
    double loop = 0;
    for (int64_t t = 1; t < N; ++t) {
      const int64_t start = t <= L ? 0 : overlap * ((t - L + overlap - 1) / overlap);
      auto x =
          torch::tensor(std::vector<int64_t>(ids.begin() + start, ids.begin() + t)).unsqueeze(0);
      auto logp = torch::log_softmax(model->forward(x)[0][t - start - 1], -1);  // (V)
      loop -= logp[ids[size_t(t)]].item<double>();
    }
    const auto r = evaluate_wikitext(model, synthetic_set(ids, 20), L, overlap, /*batch=*/5);
    CHECK(r.tokens_scored == N - 1);
    CHECK_THAT(r.total_loss, WithinRel(loop, kFp32PathRtol));
    CHECK_THAT(r.ppl, WithinRel(std::exp(loop / double(N - 1)), kFp32PathRtol));
  }
}

TEST_CASE("evaluate_wikitext restores the training mode and rejects ids outside the vocab",
          "[eval]") {
  auto model = tiny_model(/*seed=*/1);
  model->train();
  evaluate_wikitext(model, synthetic_set({1, 2, 3, 4, 5}, 2), 16, 4, 1);
  CHECK(model->is_training());
  CHECK_THROWS_AS(evaluate_wikitext(model, synthetic_set({1, 64, 3}, 2), 16, 4, 1),
                  spikebench::Error);
  CHECK_THROWS_AS(evaluate_wikitext(model, synthetic_set({1, 2, 3}, 2), 17, 4, 1),
                  spikebench::Error);
}

TEST_CASE("a non-finite loss throws instead of reaching a result", "[eval]") {
  LogitsFn nan_model = [](const torch::Tensor& x) {
    return torch::full({x.size(0), x.size(1), 4}, std::nan(""));
  };
  CHECK_THROWS_AS(evaluate_wikitext(nan_model, synthetic_set({0, 1, 2, 3}, 2), 4, 2, 1),
                  spikebench::Error);
  LambadaEval set;
  set.path = "<synthetic>";
  set.strict = {{{0, 1}, {2}}};
  CHECK_THROWS_AS(evaluate_lambada(nan_model, set, 4), spikebench::Error);
}

TEST_CASE("LAMBADA: a model that always predicts the target has accuracy 1", "[eval]") {
  // Oracle: closed form with the successor oracle (V = 4): a successor target has p = 1/2,
  // any other 1/6. Strict accuracy needs EVERY target id to be the argmax.
  LambadaEval set;
  set.path = "<synthetic>";
  set.strict = {{{0, 1}, {2, 3}}, {{3}, {0}}, {{1, 2, 3, 0}, {1, 2, 3}}};
  const auto r = evaluate_lambada(successor_model(4), set, /*seq_len=*/8, /*strict=*/true, nullptr,
                                  /*limit=*/0, /*batch=*/2);
  CHECK(r.n == 3);
  CHECK(r.correct == 3);
  CHECK(r.accuracy == 1.0);
  CHECK(r.target_tokens == 6);
  CHECK_THAT(r.ppl, WithinRel(2.0, kClosedFormRtol));
  CHECK_THAT(r.word_ppl, WithinRel(std::exp(6 * std::log(2.0) / 3), kClosedFormRtol));

  SECTION("one wrong target id makes the whole word wrong") {
    set.strict[0].target = {2, 0};  // 2 -> 3 is predicted, 0 is not: p = 1/6
    const auto w = evaluate_lambada(successor_model(4), set, 8, true, nullptr, 0, 2);
    CHECK(w.correct == 2);
    CHECK_THAT(w.accuracy, WithinRel(2.0 / 3, kClosedFormRtol));
    CHECK_THAT(w.total_loss, WithinRel(5 * std::log(2.0) + std::log(6.0), kClosedFormRtol));
  }
  SECTION("a passage longer than seq_len + 1 keeps its last seq_len + 1 ids") {
    const auto t = evaluate_lambada(successor_model(4), set, /*seq_len=*/3, true, nullptr, 0, 2);
    CHECK(t.truncated == 1);  // the third: 7 ids -> 4
    CHECK(t.accuracy == 1.0);
    CHECK_THROWS_AS(evaluate_lambada(successor_model(4), set, /*seq_len=*/2, true),
                    spikebench::Error);
  }
}

TEST_CASE("megatron_strict_split follows text.split()[-1], rfind and strip", "[eval]") {
  // Oracle: Python 3 on these strings.
  auto s = megatron_strict_split("some kind of\n\nPower");
  CHECK(s.first == "some kind of");
  CHECK(s.second == "Power");
  s = megatron_strict_split("  he said \"hi\" to Bob  \n");
  CHECK(s.first == "he said \"hi\" to");
  CHECK(s.second == "Bob");
  s = megatron_strict_split("caf\xC3\xA9\xC2\xA0na\xC3\xAFve");  // NBSP is whitespace
  CHECK(s.first == "caf\xC3\xA9");
  CHECK(s.second == "na\xC3\xAFve");
  CHECK_THROWS_AS(megatron_strict_split(" \n "), spikebench::Error);
}

TEST_CASE("real WikiText-103 test and LAMBADA, byte-level cpu model, end to end", "[eval][data]") {
  const auto dir = spikebench::resolve_data_dir();
  auto c = spikebench::models::flavor("cpu").config;  // V = 256, L = 128
  torch::manual_seed(0);
  spikebench::models::DecoderLM model(c);
  spikebench::Progress progress;
  const double lnV = std::log(double(c.vocab));
  // At init the logits are small (std ~0.6), so the mean NLL is ln V plus a fraction of a nat.
  constexpr double kInitLossMarginNats = 1.0;

  SECTION("WikiText-103 test") {
    const auto path = dir / "wikitext" / "wiki.test.tokens";
    CAPTURE(path);
    const auto set = prepare_wikitext(path, byte_tokenize());
    // Oracle: Megatron's len(raw.strip().split(" ")) on wiki.test.tokens (MANIFEST §2).
    CHECK(set.num_original_tokens == 245566);
    const int64_t limit = 48, seq_len = 128, overlap = 32;
    const auto r = evaluate_wikitext(model, set, seq_len, overlap, /*batch=*/16, &progress, limit);
    CHECK(r.windows == limit);
    CHECK(r.tokens_scored == std::min(set.num_tokens() - 1, seq_len + (limit - 1) * overlap));
    CHECK(std::isfinite(r.ppl));
    CHECK(std::isfinite(r.adjusted_ppl));
    CHECK_THAT(r.mean_loss, WithinAbs(lnV, kInitLossMarginNats));
    // adjusted ppl = exp(mean loss * (N - 1) / (W - 1)): bytes per word > 1, so it is larger.
    CHECK(r.adjusted_ppl > r.ppl);
  }

  SECTION("LAMBADA (strict)") {
    const auto path = dir / "lambada" / "lambada_test.jsonl";
    CAPTURE(path);
    const auto set = prepare_lambada(path, byte_tokenize());
    REQUIRE(set.strict.size() == 5153);
    REQUIRE(set.default_.size() == 5153);
    // Oracle: Python's text.split()[-1] / rfind / strip on this file differs from the last-space
    // split in exactly 7 passages (0-based lines 426, 1053, 2881, 3047, 3977, 4351, 4462).
    const auto examples = spikebench::datasets::read_lambada(path);
    std::vector<size_t> differ;
    for (size_t i = 0; i < examples.size(); ++i)
      if (megatron_strict_split(examples[i].text).second != examples[i].last_word)
        differ.push_back(i);
    CHECK(differ == std::vector<size_t>{426, 1053, 2881, 3047, 3977, 4351, 4462});

    const int64_t limit = 48;
    const auto r = evaluate_lambada(model, set, /*seq_len=*/128, /*strict=*/true, &progress, limit,
                                    /*batch=*/16);
    int64_t target_bytes = 0;
    for (int64_t i = 0; i < limit; ++i)
      target_bytes += int64_t(set.strict[size_t(i)].target.size());
    CHECK(r.n == limit);
    CHECK(r.target_tokens == target_bytes);
    CHECK(r.truncated > 0);  // passages are longer than 129 bytes
    CHECK(std::isfinite(r.ppl));
    CHECK(r.accuracy >= 0.0);
    CHECK(r.accuracy <= 1.0);
    CHECK_THAT(std::log(r.ppl), WithinAbs(lnV, kInitLossMarginNats));
  }
}

TEST_CASE("GPT-2 preparation of WikiText-103 decodes back to the detokenized text",
          "[eval][data]") {
  // Oracle: the detokenizer's output; BPE is lossless, so decode(encode(text)) == text.
  const auto dir = spikebench::resolve_data_dir();
  const auto tok = spikebench::datasets::Gpt2Tokenizer::load(dir / "gpt2");
  const auto path = dir / "wikitext" / "wiki.test.tokens";
  const auto set = prepare_wikitext(path, gpt2_tokenize(tok));
  const auto raw = spikebench::datasets::load_wikitext(path);
  CAPTURE(set.num_tokens());
  CHECK(tok.decode(set.tokens) == raw.text);
  CHECK(set.num_original_tokens == 245566);
}
