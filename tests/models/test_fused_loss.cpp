// The fused chunked cross entropy (models/fused_cross_entropy.h) against the unfused path:
// same loss and same gradients in h and W at every chunk size, and the model takes it only
// when loss_chunk > 0 and no stabilizer reads the whole logits.
#include <torch/torch.h>

#include <catch2/catch.hpp>

#include "models/decoder.h"
#include "models/fused_cross_entropy.h"

using namespace spikebench::models;

namespace {

struct LossAndGrads {
  torch::Tensor loss, dh, dw;
};

LossAndGrads reference(const torch::Tensor& h0, const torch::Tensor& w0, const torch::Tensor& t) {
  auto h = h0.clone().requires_grad_(true), w = w0.clone().requires_grad_(true);
  auto loss = torch::nn::functional::cross_entropy(torch::matmul(h, w.t()), t);
  (loss * 3.0).backward();  // a non-unit incoming gradient
  return {loss.detach(), h.grad(), w.grad()};
}

LossAndGrads fused(const torch::Tensor& h0, const torch::Tensor& w0, const torch::Tensor& t,
                   int64_t chunk) {
  auto h = h0.clone().requires_grad_(true), w = w0.clone().requires_grad_(true);
  auto loss = fused_linear_cross_entropy(h, w, t, chunk);
  (loss * 3.0).backward();
  return {loss.detach(), h.grad(), w.grad()};
}

}  // namespace

TEST_CASE("the fused cross entropy equals the unfused one in value and gradients", "[models][loss]") {
  torch::manual_seed(3);
  const int64_t n = 37, d = 16, v = 101;
  // float32, as the models train (the fused path's softmax runs in float32 like the unfused one)
  const auto h = torch::randn({n, d}) * 2;
  const auto w = torch::randn({v, d});
  const auto t = torch::randint(v, {n}, torch::kLong);
  const auto ref = reference(h, w, t);
  // The float64 answer is the oracle: the fused float32 path must be as close to it as the
  // unfused float32 path is. A fixed tolerance between the two float32 results failed on another
  // CPU (AMD EPYC vs the Intel one that wrote it): chunks of 1 and 5 rows run matrix-vector
  // kernels whose summation order differs by CPU, and entries near zero have no relative accuracy.
  const auto truth = reference(h.to(torch::kDouble), w.to(torch::kDouble), t);
  auto error = [](const torch::Tensor& x, const torch::Tensor& exact) {
    return (x.to(torch::kDouble) - exact).abs().max().item<double>();
  };
  // Bound: 4x the unfused path's own error, plus 16 float32 ulps of the largest entry.
  auto bound = [&](const torch::Tensor& unfused, const torch::Tensor& exact) {
    constexpr double kUlp = 1.1920929e-07;  // float32 machine epsilon
    return 4 * error(unfused, exact) + 16 * kUlp * exact.abs().max().item<double>();
  };
  for (const int64_t chunk : {1, 5, 36, 37, 1000}) {
    INFO("chunk " << chunk);
    const auto got = fused(h, w, t, chunk);
    CHECK(torch::allclose(got.loss, ref.loss, 1e-6, 0));
    INFO("dh error fused " << error(got.dh, truth.dh) << ", unfused " << error(ref.dh, truth.dh)
                           << ", largest |dh| " << truth.dh.abs().max().item<double>());
    CHECK(error(got.dh, truth.dh) <= bound(ref.dh, truth.dh));
    INFO("dW error fused " << error(got.dw, truth.dw) << ", unfused " << error(ref.dw, truth.dw));
    CHECK(error(got.dw, truth.dw) <= bound(ref.dw, truth.dw));
  }
  torch::NoGradGuard no_grad;  // evaluation: the value only, nothing kept for backward
  CHECK(torch::allclose(fused_linear_cross_entropy(h, w, t, 8), ref.loss, 1e-6, 0));
}

TEST_CASE("a model with loss_chunk trains on the same loss and gradients", "[models][loss]") {
  for (const auto& stabilizers : std::vector<std::vector<std::string>>{{}, {"scaled_embed"}, {"z_loss"}}) {
    INFO("stabilizers " << stabilizers.size());
    ModelConfig c = flavor("tiny").config;
    c.dropout = 0;
    c.stabilizers = stabilizers;
    torch::manual_seed(0);
    DecoderLM plain(c);
    c.loss_chunk = 7;
    torch::manual_seed(0);  // the same init draws
    DecoderLM chunked(c);
    const auto tokens = torch::randint(c.vocab, {2, 9}, torch::kLong);
    const auto targets = torch::randint(c.vocab, {2, 9}, torch::kLong);
    const auto a = plain->loss(tokens, targets), b = chunked->loss(tokens, targets);
    CHECK(torch::allclose(a.total, b.total, 1e-5, 1e-6));
    CHECK(torch::allclose(a.cross_entropy, b.cross_entropy, 1e-5, 1e-6));
    a.total.backward();
    b.total.backward();
    CHECK(torch::allclose(plain->token_embedding.grad(), chunked->token_embedding.grad(), 1e-4, 1e-6));
    CHECK(torch::allclose(plain->blocks[0]->parameters()[0].grad(),
                          chunked->blocks[0]->parameters()[0].grad(), 1e-4, 1e-6));
  }
}
