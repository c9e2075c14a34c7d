// Decoder LM: shapes, causality, tied weights, parameter counts, per-role init σ (§2.2).
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "models/decoder.h"

using namespace spikebench::models;
using Catch::Matchers::WithinRel;

namespace {

ModelConfig tiny(std::vector<std::string> stabilizers = {}) {
  ModelConfig c = flavor("tiny").config;
  c.dropout = 0.0;
  c.stabilizers = std::move(stabilizers);
  return c;
}

int64_t numel(const DecoderLM& m) {
  int64_t n = 0;
  for (const auto& p : m->parameters()) n += p.numel();
  return n;
}

}  // namespace

TEST_CASE("decoder forward has shape (B,T,V)", "[models]") {
  torch::manual_seed(0);
  DecoderLM m(tiny());
  auto tokens = torch::randint(0, 64, {3, 7}, torch::kLong);
  auto logits = m->forward(tokens);
  CHECK(logits.sizes() == torch::IntArrayRef({3, 7, 64}));
}

TEST_CASE("attention is causal: future tokens do not change past logits", "[models]") {
  const auto arch = GENERATE(as<std::string>{}, "preln", "postln");
  CAPTURE(arch);
  torch::manual_seed(1);
  auto c = tiny({"qk_layernorm"});
  c.arch = spikebench::parse_enum(arch, arch_names(), "arch");
  DecoderLM m(c);
  m->eval();
  auto a = torch::randint(0, 64, {2, 10}, torch::kLong);
  auto b = a.clone();
  b.slice(1, 6).random_(0, 64);  // change only positions 6..9
  torch::NoGradGuard ng;
  auto la = m->forward(a), lb = m->forward(b);
  CHECK(torch::allclose(la.slice(1, 0, 6), lb.slice(1, 0, 6), /*rtol=*/0, /*atol=*/1e-6));
  CHECK_FALSE(torch::allclose(la.slice(1, 6), lb.slice(1, 6)));
}

TEST_CASE("output layer is tied to the token embedding (footnote 5)", "[models]") {
  torch::manual_seed(2);
  DecoderLM m(tiny());
  // No separate output matrix: the only (V, d) parameter is the token embedding.
  int vd = 0;
  for (const auto& p : m->parameters()) vd += p.sizes() == torch::IntArrayRef({64, 32});
  CHECK(vd == 1);
  auto tokens = torch::randint(0, 64, {1, 5}, torch::kLong);
  auto loss = m->loss(tokens, tokens).total;
  loss.backward();
  REQUIRE(m->token_embedding.grad().defined());
  // Gradient reaches rows of tokens that never appear in the input, through the output layer.
  CHECK(m->token_embedding.grad().abs().sum(1).gt(0).sum().item<int64_t>() == 64);
}

TEST_CASE("parameter count formula equals the module's", "[models]") {
  const auto norm = GENERATE(as<std::string>{}, "layernorm", "rmsnorm");
  const auto bias = GENERATE(true, false);
  const auto arch = GENERATE(Arch::preln, Arch::postln);
  auto c = tiny();
  c.norm = norm, c.bias = bias, c.arch = arch;
  CAPTURE(norm, bias, spikebench::name_of(arch, arch_names()));
  DecoderLM m(c);
  CHECK(numel(m) == param_count(c));  // Post-LN has no final norm
}

TEST_CASE("a layer's parameters include its stabilizers' (QK-norm, norms after Proj/FC2)",
          "[models]") {
  auto c = tiny({"qk_layernorm", "sublayer_norm", "scaled_embed"});
  DecoderLM m(c);
  const auto plain = DecoderLM(tiny());
  for (int64_t i = 0; i < c.n_layers; ++i) {
    int64_t with = 0, without = 0;
    for (const auto& p : m->layer_parameters(i)) with += p.numel();
    for (const auto& p : plain->layer_parameters(i)) without += p.numel();
    // QK-norm: 2 norms over d_head; norms after Proj and FC2: 2 over d (gain + bias each).
    CHECK(with - without == 2 * 2 * c.d_head() + 2 * 2 * c.d);
  }
  CHECK(m->stabilizers.size() == 1);  // scaled_embed: the model-level one
  CHECK(m->blocks[0]->stabilizers.size() == 2);
}

TEST_CASE("Scaled Embed at 350M dims: the first shortcut's std is sqrt(2/5) ± 2 % (§3.2)",
          "[models]") {
  // 350M's d = 1024 and V = 50257 with one layer (the embedding path is what is measured).
  ModelConfig c = flavor("350m").config;
  c.n_layers = 1, c.dropout = 0.0, c.stabilizers = {"scaled_embed"};
  torch::manual_seed(8);
  DecoderLM m(c);
  m->eval();
  torch::NoGradGuard ng;
  Probe probe;
  m->forward(torch::randint(0, c.vocab, {4, 512}, torch::kLong), &probe);
  // The first norm's input is √d·E[tokens] + P: std sqrt(2/5 + 2/(5d)) ≈ sqrt(2/5). Scaling the
  // positions too would give sqrt(4/5) = 0.894, outside the band.
  CHECK_THAT(probe.ln_input_std.at(0), WithinRel(std::sqrt(0.4), 0.02));
  Probe vanilla;
  DecoderLM v([&] {
    auto x = c;
    x.stabilizers = {};
    return x;
  }());
  v->eval();
  v->forward(torch::randint(0, c.vocab, {4, 512}, torch::kLong), &vanilla);
  CHECK_THAT(vanilla.ln_input_std.at(0), WithinRel(std::sqrt(4.0 / (5.0 * 1024)), 0.05));
}

TEST_CASE("Table 3 sizes have the stated parameter counts", "[models]") {
  // V·d + L·d + N·(12d² + 13d) + 2d with V = 50257, L = 2048 (embeddings and positions included).
  CHECK(param_count(flavor("350m").config) ==
        50257LL * 1024 + 2048LL * 1024 + 24LL * (12LL * 1024 * 1024 + 13 * 1024) + 2 * 1024);
  CHECK(param_count(flavor("350m").config) == 355871744LL);
  CHECK(param_count(flavor("1.7b").config) == 1650057984LL);
  CHECK(param_count(flavor("13b").config) == 12853386240LL);
}

TEST_CASE("each init gives every weight role its σ", "[models]") {
  const auto init = GENERATE(as<std::string>{}, "plain", "scaled", "wang");
  CAPTURE(init);
  ModelConfig c = flavor("cpu").config;  // d = 128, N = 4: enough entries for a 5% std estimate
  c.init = init;
  c.vocab = 4096;
  torch::manual_seed(3);
  DecoderLM m(c);
  const double sigma = std::sqrt(2.0 / (5.0 * 128));
  const double reduced = init == "plain"    ? sigma
                         : init == "scaled" ? sigma / std::sqrt(2.0 * 4)
                                            : 2.0 / (4 * std::sqrt(128.0));
  // Tolerance: the std estimate of n ≥ 16k normal draws has relative s.e. ≈ 1/sqrt(2n) < 0.6%;
  // 3% is > 5 s.e.
  constexpr double kRel = 0.03;
  CHECK_THAT(m->token_embedding.std().item<double>(), WithinRel(sigma, kRel));
  int reduced_tensors = 0;
  for (const auto& b : m->blocks) {
    CHECK_THAT(b->attention->qkv->weight.std().item<double>(), WithinRel(sigma, kRel));
    CHECK_THAT(b->ffn->w1->weight.std().item<double>(), WithinRel(sigma, kRel));
    CHECK_THAT(b->ffn->w2->weight.std().item<double>(), WithinRel(reduced, kRel));
    CHECK_THAT(b->attention->out->weight.std().item<double>(), WithinRel(reduced, kRel));
    CHECK(b->attention->qkv->bias.abs().sum().item<double>() == 0.0);
    reduced_tensors += 2;
  }
  CHECK(reduced_tensors == 2 * c.n_layers);  // exactly W2 and W_O of every layer
}
