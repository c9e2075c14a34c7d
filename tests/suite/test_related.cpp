// Beyond the paper (issue 18): OLMo 2's growth exponent λ and its repeated-n-gram trigger.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "core/error.h"
#include "models/config.h"
#include "models/decoder.h"
#include "suite/data/random_batch.h"
#include "suite/data/repeated_ngrams.h"
#include "suite/diagnose/init_stability.h"
#include "suite/engine/injections.h"

TEST_CASE("the repeated-n-gram batch builder writes the requested repeats of a span of the row",
          "[related]") {
  const auto batch = torch::arange(3 * 65, torch::kInt64).view({3, 65});  // distinct tokens
  const auto out = spikebench::repeated_ngram_batch(batch, 2, 32, 11);
  REQUIRE(out.sizes() == batch.sizes());
  for (int64_t r = 0; r < 3; ++r) {
    const auto row = out[r];
    // Find the window: 64 tokens with period 2 whose span occurs in the original row.
    int64_t found = 0;
    for (int64_t at = 0; at + 64 <= 65; ++at) {
      bool periodic = true;
      for (int64_t i = 2; i < 64 && periodic; ++i)
        periodic = row[at + i].item<int64_t>() == row[at + i - 2].item<int64_t>();
      const auto a = row[at].item<int64_t>(), b = row[at + 1].item<int64_t>();
      const bool from_row = b == a + 1 && a >= r * 65 && b < (r + 1) * 65;
      if (periodic && from_row) ++found;
    }
    CHECK(found >= 1);
    // Outside the window the row is untouched: at most one token differs from the input.
    CHECK((row != batch[r]).sum().item<int64_t>() <= 64);
  }
  CHECK(torch::equal(out, spikebench::repeated_ngram_batch(batch, 2, 32, 11)));  // deterministic
  CHECK_THROWS_WITH(spikebench::repeated_ngram_batch(batch, 3, 32, 1),
                    Catch::Contains("need 96 tokens"));
}

TEST_CASE("OLMo 2's growth exponent λ of a 2-layer network equals the hand computation",
          "[related]") {
  auto c = spikebench::models::flavor("tiny").config;  // N = 2
  c.dropout = 0.0;
  torch::manual_seed(7);
  spikebench::models::DecoderLM model(c);
  const auto tokens = torch::randint(0, c.vocab, {2, 9});
  const auto s = spikebench::measure_init(model, tokens, /*backward=*/true);
  // By hand: the two layers' outputs from the embeddings, λ = (1/2)·log(‖y2‖ / ‖y1‖).
  torch::NoGradGuard no_grad;
  const auto in = tokens.slice(1, 0, 8);
  auto x = torch::embedding(model->token_embedding, in) +
           model->position_embedding.slice(0, 0, 8).unsqueeze(0);
  const auto y1 = model->blocks[0]->forward(x, nullptr);
  const auto y2 = model->blocks[1]->forward(y1, nullptr);
  const double want = 0.5 * std::log(y2.to(torch::kDouble).norm().item<double>() /
                                     y1.to(torch::kDouble).norm().item<double>());
  CHECK(s.lambda_activation == Approx(want).epsilon(1e-9));
  CHECK(s.lambda_gradient == Approx(0.5 * std::log(s.grad_norms[1] / s.grad_norms[0])));
  CHECK(spikebench::growth_exponent(1.0, std::exp(3.0), 2) == Approx(1.5));
}

TEST_CASE("a corrupted batch: uniform random tokens of the vocabulary, deterministic in the seed",
          "[related]") {
  const auto batch = torch::zeros({8, 65}, torch::kInt64);
  const auto out = spikebench::random_token_batch(batch, 256, 5);
  REQUIRE(out.sizes() == batch.sizes());
  CHECK(out.min().item<int64_t>() >= 0);
  CHECK(out.max().item<int64_t>() <= 255);
  CHECK(torch::equal(out, spikebench::random_token_batch(batch, 256, 5)));
  CHECK(!torch::equal(out, spikebench::random_token_batch(batch, 256, 6)));
  // 520 draws of 256 ids: about uniform (a mean within 4 standard errors of 127.5).
  const double mean = out.to(torch::kDouble).mean().item<double>();
  CHECK(std::abs(mean - 127.5) < 4 * std::sqrt((256.0 * 256 - 1) / 12 / 520));
}

TEST_CASE("injections: the lr spike, the batch swaps and the logged response", "[related]") {
  spikebench::engine::Injections in;
  in.lr_spike_steps = {10}, in.lr_spike_factor = 30, in.corrupt_steps = {20};
  in.ngram_steps = {30};
  CHECK(in.lr_at(10, 1e-3) == Approx(3e-2));
  CHECK(in.lr_at(11, 1e-3) == 1e-3);
  const auto batch = torch::arange(2 * 65, torch::kInt64).view({2, 65});
  CHECK(torch::equal(in.batch_at(10, batch, 256, 1), batch));  // an lr spike keeps the batch
  CHECK(torch::equal(in.batch_at(20, batch, 256, 1),
                     spikebench::random_token_batch(batch, 256, 1000003ULL + 20)));
  CHECK(torch::equal(in.batch_at(30, batch, 256, 1),
                     spikebench::repeated_ngram_batch(batch, 2, 32, 1000003ULL + 30)));
  spikebench::results::Group g;
  for (double x : {1.0, 3.0, 2.0, 10.0}) g.dataset("train/grad_norm").append(x);
  in.log_response(g, 20, 20, 10.0);  // 10 over the median of {1, 3, 2} = 2
  CHECK(g.find_dataset("corrupt/step")->values == std::vector<double>{20.0});
  CHECK(g.find_dataset("corrupt/grad_ratio")->values[0] == Approx(5.0));
  CHECK(g.find_dataset("lr_spike/step") == nullptr);
  in.log_response(g, 21, 21, 3.0);  // no injection at 21: nothing logged
  CHECK(g.find_dataset("corrupt/step")->values.size() == 1);
  // After a rollback skipped batches, a batch injection follows its batch, the lr spike its
  // update: update 14 trains on batch 20 (the corrupted one), update 10 keeps its lr spike.
  in.log_response(g, 14, 20, 10.0);
  CHECK(g.find_dataset("corrupt/step")->values == std::vector<double>{20.0, 14.0});
  in.log_response(g, 10, 16, 10.0);
  CHECK(g.find_dataset("lr_spike/step")->values == std::vector<double>{10.0});
}
