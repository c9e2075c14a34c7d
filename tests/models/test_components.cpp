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
  c.embed_detach_gamma = 0.1;
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
  auto norm = make_norm("rmsnorm", 8, /*bias=*/true);
  auto x = torch::randn({4, 8});
  auto expected = x / torch::sqrt(x.pow(2).mean(-1, true) + 1e-5);
  CHECK(torch::allclose(norm->forward(x), expected, 1e-5, 1e-6));
  CHECK(norm->parameters().size() == 1);  // gain only
}

TEST_CASE("z-loss is c · mean(logsumexp(logits)²)", "[models]") {
  ModelConfig c = flavor("tiny").config;
  c.z_loss = 1e-4;
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
