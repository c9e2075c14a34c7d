// Stabilizers, norms and the auxiliary loss against hand computations.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "models/decoder.h"
#include "models/norm.h"
#include "models/stabilizer.h"

using namespace spikebench;
using namespace spikebench::models;

namespace {

/// The stabilizer's model-level instance, else its per-layer one.
std::shared_ptr<StabilizerImpl> make(const std::string& name, const ModelConfig& c) {
  const auto& kind = Registry<StabilizerKind>::instance().get(name);
  return kind.make ? kind.make(c) : kind.make_layer(c);
}

}  // namespace

TEST_CASE("ScaledEmbed multiplies the token embeddings by sqrt(d) (§3.2)", "[models]") {
  ModelConfig c = flavor("tiny").config;  // d = 32
  auto x = torch::randn({2, 3, 32});
  const auto s = make("scaled_embed", c);
  CHECK(torch::allclose(s->token_embedding(x), x * std::sqrt(32.0)));
  CHECK(torch::equal(s->embed(x), x));  // token + position: untouched
  c.sigma_d = 2048;  // a wider model's σ: the factor that restores std sqrt(2/5)
  CHECK(torch::allclose(make("scaled_embed", c)->token_embedding(x), x * std::sqrt(2048.0)));
}

TEST_CASE("EmbedDetach keeps the value and scales the gradient by γ (Eq. 14)", "[models]") {
  ModelConfig c = flavor("tiny").config;
  c.settings["embed_detach_gamma"] = 0.1;
  auto x = torch::randn({2, 3, 32}, torch::requires_grad());
  auto y = make("embed_detach", c)->embed(x);
  CHECK(torch::allclose(y, x));
  y.sum().backward();
  CHECK(torch::allclose(x.grad(), torch::full_like(x, 0.1)));
}

TEST_CASE("EmbedLN normalizes the embeddings", "[models]") {
  ModelConfig c = flavor("tiny").config;
  auto x = 0.02 * torch::randn({2, 3, 32});
  auto y = make("embed_ln", c)->embed(x);
  auto expected = (x - x.mean(-1, true)) / torch::sqrt(x.var(-1, false, true) + 1e-5);
  CHECK(torch::allclose(y, expected, 1e-4, 1e-5));
}

TEST_CASE("RMSNorm is x / sqrt(mean(x²) + eps) · g (§5.3)", "[models]") {
  auto norm = make_norm("rmsnorm", 8, /*bias=*/true, /*settings=*/{});
  auto x = torch::randn({4, 8});
  auto expected = x / torch::sqrt(x.pow(2).mean(-1, true) + 1e-5);
  CHECK(torch::allclose(norm->forward(x), expected, 1e-5, 1e-6));
  CHECK(norm->parameters().size() == 1);  // gain only
}

TEST_CASE("a norm's ε is its declared setting: default 1e-5, set per key", "[models][settings]") {
  auto x = torch::randn({4, 8}, torch::kFloat64) * 1e-3;  // small: ε moves the output
  for (const char* name : {"layernorm", "rmsnorm"}) {
    INFO(name);
    const std::string key = std::string(name) + "_eps";
    auto at = [&](const SettingValues& s) {
      auto n = make_norm(name, 8, /*bias=*/false, s);
      n->to(torch::kFloat64);
      return n->forward(x);
    };
    const auto centred = std::string(name) == "layernorm" ? x - x.mean(-1, true) : x;
    const auto var = centred.pow(2).mean(-1, true);
    CHECK(torch::allclose(at({}), centred / torch::sqrt(var + 1e-5), 1e-9, 0));
    CHECK(torch::equal(at({}), at({{key, 1e-5}})));  // the default is 1e-5
    CHECK(torch::allclose(at({{key, 1e-7}}), centred / torch::sqrt(var + 1e-7), 1e-9, 0));
    CHECK_FALSE(torch::allclose(at({{key, 1e-7}}), at({}), 1e-3, 0));
  }
  // Both are declared, by their norm, for the config keys and `list --components`.
  int found = 0;
  for (const auto& d : declared_settings())
    found += (d.setting.key == "layernorm_eps" && d.owner == "norm 'layernorm'") +
             (d.setting.key == "rmsnorm_eps" && d.owner == "norm 'rmsnorm'");
  CHECK(found == 2);
}

TEST_CASE("z-loss is c · mean(logsumexp(logits)²)", "[models]") {
  ModelConfig c = flavor("tiny").config;
  c.settings["z_loss"] = 1e-4;
  auto logits = torch::tensor({{{0.0, 0.0}, {1.0, 2.0}}});
  const double z0 = std::log(2.0), z1 = std::log(std::exp(1.0) + std::exp(2.0));
  const double expected = 1e-4 * (z0 * z0 + z1 * z1) / 2;
  CHECK(make("z_loss", c)->auxiliary_loss(logits).item<double>() == Approx(expected).epsilon(1e-6));
}

TEST_CASE("QK-LayerNorm normalizes queries and keys per head", "[models]") {
  ModelConfig c = flavor("tiny").config;  // d_head = 16
  auto q = 5 * torch::randn({1, 2, 4, 16}), k = 3 * torch::randn({1, 2, 4, 16});
  make("qk_layernorm", c)->attention_qk(q, k);
  CHECK(q.mean(-1).abs().max().item<double>() < 1e-5);
  CHECK(k.std(-1, false).sub(1).abs().max().item<double>() < 1e-3);
}

TEST_CASE("an unknown component name lists the valid ones", "[models]") {
  ModelConfig c = flavor("tiny").config;
  c.stabilizers = {"scaled_embd"};
  try {
    DecoderLM m(c);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Matchers::Contains("unknown stabilizer 'scaled_embd'") &&
                             Catch::Matchers::Contains("scaled_embed"));
  }
}

TEST_CASE("softmax capping bounds attention and output logits by c, and is the identity for small z",
          "[models][related]") {
  ModelConfig c = flavor("tiny").config;
  c.settings["attention_softcap"] = 5.0;
  c.settings["logit_softcap"] = 3.0;
  const auto& kind = Registry<StabilizerKind>::instance().get("softmax_cap");
  auto attn = kind.make_layer(c);
  auto out = kind.make(c);
  const auto z = torch::linspace(-1000, 1000, 2001);
  CHECK(attn->edits_attention_logits());
  CHECK(attn->attention_logits(z).abs().max().item<double>() <= 5.0);
  CHECK(out->output_logits(z).abs().max().item<double>() <= 3.0);
  const auto small = torch::full({3}, 1e-3);
  CHECK(torch::allclose(attn->attention_logits(small), small, 1e-6, 1e-9));
  // In a model: huge embeddings give huge logits, capped at c.
  c.dropout = 0.0;
  c.stabilizers = {"softmax_cap"};
  torch::manual_seed(0);
  DecoderLM model(c);
  model->eval();
  {
    torch::NoGradGuard g;
    model->token_embedding.mul_(1000);
  }
  const auto logits = model->forward(torch::randint(0, c.vocab, {2, 8}));
  CHECK(logits.abs().max().item<double>() <= 3.0);
  CHECK(logits.abs().max().item<double>() > 2.9);  // saturated: the cap is what bounds them
}

TEST_CASE("the explicit attention path (taken when logits are capped) equals the fused kernel",
          "[models][related]") {
  ModelConfig c = flavor("tiny").config;
  c.dropout = 0.0;
  const auto ids = torch::randint(0, c.vocab, {2, 12});
  torch::manual_seed(4);
  DecoderLM vanilla(c);
  c.stabilizers = {"softmax_cap"};
  c.settings["attention_softcap"] = 1e9;  // c·tanh(z/c) = z to float precision
  c.settings["logit_softcap"] = 0.0;      // off
  torch::manual_seed(4);
  DecoderLM capped(c);
  vanilla->eval();
  capped->eval();
  torch::NoGradGuard g;
  CHECK(torch::allclose(vanilla->forward(ids), capped->forward(ids), 1e-5, 1e-6));
}

TEST_CASE("norm after QKV normalizes q, k and v over d (Rybakov et al. 2024)", "[models][related]") {
  ModelConfig c = flavor("tiny").config;  // d = 32
  auto s = make("qkv_layernorm", c);
  const auto y = torch::randn({2, 5, 96}) * 7 + 3;
  const auto n = s->qkv(y);
  for (int64_t part = 0; part < 3; ++part) {
    const auto p = n.slice(-1, part * 32, (part + 1) * 32);
    CHECK(p.mean(-1).abs().max().item<double>() < 1e-5);
    CHECK(torch::allclose(p.var(-1, /*unbiased=*/false), torch::ones({2, 5}), 1e-3, 1e-3));
  }
  CHECK(s->parameters().size() == 6);  // gain and bias of three norms
}

TEST_CASE("inits normal_002 and olmo_0424 draw the stated stds", "[models][related]") {
  ModelConfig c = flavor("tiny").config;
  c.d = 256, c.d_ffn = 1024, c.n_heads = 4, c.n_layers = 3, c.vocab = 512, c.max_len = 64;
  auto std_of = [](const torch::Tensor& t) { return t.std().item<double>(); };
  c.init = "normal_002";
  torch::manual_seed(1);
  DecoderLM a(c);
  for (const auto& w : {a->token_embedding, a->blocks[0]->attention->qkv->weight,
                        a->blocks[2]->ffn->w2->weight})
    CHECK(std_of(w) == Approx(0.02).epsilon(0.03));
  c.init = "olmo_0424";
  torch::manual_seed(1);
  DecoderLM b(c);
  CHECK(std_of(b->blocks[0]->attention->qkv->weight) == Approx(1 / std::sqrt(256.0)).epsilon(0.03));
  CHECK(std_of(b->blocks[1]->ffn->w1->weight) == Approx(1 / std::sqrt(256.0)).epsilon(0.03));
  for (int64_t layer = 1; layer <= 3; ++layer) {  // 1/√(2·d·layer)
    const double want = 1 / std::sqrt(2.0 * 256 * static_cast<double>(layer));
    CHECK(std_of(b->blocks[layer - 1]->attention->out->weight) == Approx(want).epsilon(0.03));
    CHECK(std_of(b->blocks[layer - 1]->ffn->w2->weight) == Approx(want).epsilon(0.03));
  }
}

TEST_CASE("QKV clipping clamps the QKV output to ±qkv_clip, gradient zero outside",
          "[models][related]") {
  ModelConfig c = flavor("tiny").config;
  c.settings["qkv_clip"] = 8.0;
  auto clip = make("qkv_clip", c);
  auto y = torch::tensor({-20.0, -8.0, -3.0, 0.5, 7.9, 8.0, 12.0}, torch::requires_grad());
  auto out = clip->qkv(y);
  CHECK(torch::equal(out, torch::tensor({-8.0, -8.0, -3.0, 0.5, 7.9, 8.0, 8.0})));
  out.sum().backward();
  // clamp's gradient: 1 inside [−c, c] (the bounds included), 0 outside.
  CHECK(torch::equal(y.grad(), torch::tensor({0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0})));
}

TEST_CASE("ReZero: every layer starts as the identity, and α is the layer's parameter",
          "[models][related]") {
  ModelConfig c = flavor("tiny").config;
  c.dropout = 0.0;
  c.stabilizers = {"rezero"};
  torch::manual_seed(0);
  DecoderLM model(c);
  model->eval();
  const auto tokens = torch::randint(0, c.vocab, {2, 8});
  const auto before = model->forward(tokens);
  {  // at α = 0 no layer weight reaches the output
    torch::NoGradGuard g;
    for (auto& p : model->layer_parameters(0))
      if (p.numel() > 1) p.add_(1.0);  // every weight but α
  }
  CHECK(torch::equal(model->forward(tokens), before));
  bool has_alpha = false;
  for (const auto& p : model->layer_parameters(1))
    has_alpha |= p.numel() == 1 && p.item<double>() == 0.0;
  CHECK(has_alpha);
  // α has a gradient at init (the branches' outputs), the branch weights none yet.
  model->train();
  const auto loss = model->loss(tokens.slice(1, 0, 7), tokens.slice(1, 1));
  loss.total.backward();
  double alpha_grad = 0;
  for (const auto& item : model->named_parameters())
    if (item.key().find("alpha") != std::string::npos)
      alpha_grad += item.value().grad().abs().sum().item<double>();
  CHECK(alpha_grad > 0);
}

TEST_CASE("QK-Clip rescales exactly the heads whose max logit exceeds τ, to τ",
          "[models][related]") {
  ModelConfig c = flavor("tiny").config;  // d 32, 2 heads of 16
  const int64_t h = c.n_heads, dh = c.d_head(), T = 6;
  torch::manual_seed(4);
  torch::nn::Linear qkv(torch::nn::LinearOptions(c.d, 3 * c.d).bias(true));
  const auto x = torch::randn({2, T, c.d}) * 3;
  // Each head's max causal logit q_t·k_t'/√d_h (t' ≤ t), by hand.
  const auto max_logits = [&] {
    torch::NoGradGuard g;
    auto y = qkv(x).view({2, T, 3, h, dh}).permute({2, 0, 3, 1, 4});
    auto z = torch::matmul(y[0], y[1].transpose(-2, -1)) / std::sqrt(static_cast<double>(dh));
    z = z.masked_fill(torch::ones({T, T}, torch::kBool).triu(1), -INFINITY);
    return z.amax({0, 2, 3});
  };
  const auto before = max_logits();
  const double s0 = before[0].item<double>(), s1 = before[1].item<double>();
  REQUIRE(std::abs(s0 - s1) > 1e-3);
  c.settings["qk_clip_tau"] = (s0 + s1) / 2;  // between the two: the larger head is over τ
  auto clip = make("qk_clip", c);
  clip->train();
  const auto v_before = qkv->weight.slice(0, 2 * c.d, 3 * c.d).clone();
  {
    torch::NoGradGuard g;
    auto y = qkv(x).view({2, T, 3, h, dh}).permute({2, 0, 3, 1, 4});
    auto q = y[0], k = y[1];
    clip->attention_qk(q, k);  // records S_max per head (training forward)
    clip->after_step(qkv);
  }
  const auto after = max_logits();
  const int64_t over = s0 > s1 ? 0 : 1;
  CHECK_THAT(after[over].item<double>(), Catch::Matchers::WithinRel((s0 + s1) / 2, 1e-5));
  CHECK(after[1 - over].item<double>() == Approx(before[1 - over].item<double>()).epsilon(1e-6));
  CHECK(torch::equal(qkv->weight.slice(0, 2 * c.d, 3 * c.d), v_before));  // values untouched
  // Nothing recorded in eval mode (validation), and a second after_step without a forward is a
  // no-op: the maximum is per update.
  const auto w = qkv->weight.clone();
  clip->eval();
  {
    torch::NoGradGuard g;
    auto y = (qkv(x) * 100).view({2, T, 3, h, dh}).permute({2, 0, 3, 1, 4});
    auto q = y[0], k = y[1];
    clip->attention_qk(q, k);
    clip->after_step(qkv);
  }
  CHECK(torch::equal(qkv->weight, w));
}
