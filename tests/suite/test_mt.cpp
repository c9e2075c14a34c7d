// MT decoding and data on a tiny random model: beam 1 equals greedy, finished hypotheses carry
// score / |y|^α with the teacher-forced log-probability, batching does not change the output;
// the Moses detokenizer, the restricted vocabulary and token-based batches.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "models/encoder_decoder.h"
#include "suite/mt/corpus.h"
#include "suite/mt/decoding.h"

using namespace spikebench;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

models::EncoderDecoder tiny_model(const std::string& variant, int seed) {
  torch::manual_seed(seed);
  auto c = models::mt_flavor("tiny").config;
  c.variant = variant;
  models::EncoderDecoder m(c);
  m->eval();
  return m;
}

torch::Tensor tiny_sources() {
  // Three sentences, eos (2) last, pad (0) on the right.
  return torch::tensor({{5, 9, 12, 7, 2}, {8, 4, 2, 0, 0}, {20, 21, 22, 23, 2}}, torch::kLong);
}

/// Σ log p(y_t | y_<t, src) of tokens + eos under teacher forcing.
double teacher_forced_score(models::EncoderDecoder& m, const torch::Tensor& src,
                            const std::vector<int64_t>& tokens, const mt::DecodeOptions& o) {
  torch::NoGradGuard ng;
  std::vector<int64_t> prev{o.bos}, target = tokens;
  prev.insert(prev.end(), tokens.begin(), tokens.end());
  target.push_back(o.eos);
  auto lp = torch::log_softmax(m->forward(src, torch::tensor(prev).unsqueeze(0)), -1)[0];
  double s = 0;
  for (size_t t = 0; t < target.size(); ++t) s += lp[t][target[t]].item<double>();
  return s;
}

}  // namespace

TEST_CASE("beam search with beam 1 equals greedy decoding", "[mt][decoding]") {
  const auto variant = GENERATE(as<std::string>{}, "postln", "preln_scaled_embed");
  const int seed = GENERATE(0, 1, 2);
  CAPTURE(variant, seed);
  auto m = tiny_model(variant, seed);
  mt::DecodeOptions o;
  o.beam = 1, o.max_len_a = 2.0, o.max_len_b = 3;
  auto src = tiny_sources();
  const auto greedy = mt::greedy_decode(m, src, o);
  const auto beam = mt::beam_search(m, src, o);
  REQUIRE(beam.size() == greedy.size());
  for (size_t i = 0; i < greedy.size(); ++i) CHECK(beam[i].tokens == greedy[i]);
}

TEST_CASE("finished hypotheses are length-normalized: score / (|y| + 1)^α", "[mt][decoding]") {
  const double alpha = GENERATE(0.0, 0.6, 1.0);
  CAPTURE(alpha);
  auto m = tiny_model("preln_scaled_embed", 5);
  mt::DecodeOptions o;
  o.beam = 4, o.length_penalty = alpha, o.max_len_a = 2.0, o.max_len_b = 3;
  auto src = tiny_sources();
  const auto hyps = mt::beam_search(m, src, o);
  for (int64_t i = 0; i < src.size(0); ++i) {
    const auto& h = hyps[static_cast<size_t>(i)];
    auto row = src.slice(0, i, i + 1);
    const int64_t len = (row != o.pad).sum().item<int64_t>();
    row = row.slice(1, 0, len);
    // The score is the teacher-forced Σ log p, up to float summation order.
    CHECK_THAT(h.score, WithinAbs(teacher_forced_score(m, row, h.tokens, o), 1e-4));
    const double n = static_cast<double>(h.tokens.size() + 1);
    CHECK_THAT(h.normalized, WithinRel(h.score / std::pow(n, alpha), 1e-9));
    CHECK(static_cast<int64_t>(h.tokens.size()) < 2 * len + 3);  // max length, eos forced last
  }
  CHECK_THAT(mt::length_normalized(-6.0, 4, 0.5), WithinRel(-3.0, 1e-12));
}

TEST_CASE("beam search: a sentence decodes the same alone or in a batch", "[mt][decoding]") {
  auto m = tiny_model("b2t", 7);
  mt::DecodeOptions o;
  o.beam = 3, o.max_len_a = 2.0, o.max_len_b = 3;
  auto src = tiny_sources();
  const auto batched = mt::beam_search(m, src, o);
  const auto alone = mt::beam_search(m, src.slice(0, 1, 2).slice(1, 0, 3), o);
  CHECK(alone[0].tokens == batched[1].tokens);
  CHECK_THAT(alone[0].score, WithinAbs(batched[1].score, 1e-4));
}

TEST_CASE("Moses detokenizer: entities, punctuation, clitics, quotes", "[mt][data]") {
  CHECK(mt::moses_unescape("a &amp; b &lt;c&gt; &#91;x&#93; &#124;") == "a & b <c> [x] |");
  CHECK(mt::moses_detokenize("Parliament &apos;s view , he said ( in 2004 ) : yes .") ==
        "Parliament's view, he said (in 2004): yes.");
  CHECK(mt::moses_detokenize("&quot; Two soldiers came &quot; , she said") ==
        "\"Two soldiers came\", she said");
  CHECK(mt::moses_detokenize("Human Rights Watch @-@ Mitarbeiter") ==
        "Human Rights Watch-Mitarbeiter");
}

TEST_CASE("restricted vocabulary maps GPT-2 ids both ways, unseen ids become unk", "[mt][data]") {
  auto v = mt::Vocab::restricted({{500, 7, 500}, {42}});
  CHECK(v.size() == 4 + 3);
  const auto local = v.encode({7, 42, 500, 9999});
  CHECK(local == std::vector<int64_t>{4, 5, 6, mt::Vocab::kUnk});
  CHECK(v.decode({mt::Vocab::kBos, 4, 5, 6, mt::Vocab::kEos}) == std::vector<int32_t>{7, 42, 500});
  CHECK(mt::Vocab::full().size() == 50257 + 4);
  // max_ids keeps the most frequent: 500 (twice), then 7 (tie with 42, smaller id).
  auto top = mt::Vocab::restricted({{500, 7, 500}, {42}}, 2);
  CHECK(top.encode({7, 42, 500}) == std::vector<int64_t>{4, mt::Vocab::kUnk, 5});
}

TEST_CASE("token-based batches respect max_tokens, padding counted", "[mt][data]") {
  std::vector<mt::Pair> pairs;
  for (int i = 1; i <= 20; ++i)
    pairs.push_back({std::vector<int64_t>(static_cast<size_t>(i), 5),
                     std::vector<int64_t>(static_cast<size_t>(i % 7 + 1), 6)});
  const auto batches = mt::make_batches(pairs, 40);
  int64_t sentences = 0;
  for (const auto& b : batches) {
    CHECK(b.src.numel() <= 40);
    CHECK(b.prev.sizes() == b.target.sizes());
    CHECK((b.prev.select(1, 0) == mt::Vocab::kBos).all().item<bool>());
    sentences += b.src.size(0);
  }
  CHECK(sentences == 20);
  CHECK_THROWS(mt::make_batches(pairs, 10));
}
