#include "suite/data/repeated_ngrams.h"

#include <torch/torch.h>

#include <random>

#include "core/error.h"

namespace spikebench {

torch::Tensor repeated_ngram_batch(const torch::Tensor& batch, int64_t span, int64_t repeats,
                                   uint64_t seed) {
  const int64_t rows = batch.size(0), len = batch.size(1), window = span * repeats;
  if (span < 1 || repeats < 1 || window > len)
    fail("repeated n-grams: ", repeats, " repeats of a ", span, "-token span need ", window,
         " tokens, but a row has ", len);
  auto out = batch.to(torch::kCPU, torch::kInt64).clone();
  auto a = out.accessor<int64_t, 2>();
  std::mt19937_64 rng(seed);
  for (int64_t r = 0; r < rows; ++r) {
    // The n-gram: a span of this row's own text; the window: where its copies go.
    const int64_t from = static_cast<int64_t>(rng() % static_cast<uint64_t>(len - span + 1));
    const int64_t at = static_cast<int64_t>(rng() % static_cast<uint64_t>(len - window + 1));
    std::vector<int64_t> gram(span);
    for (int64_t i = 0; i < span; ++i) gram[i] = a[r][from + i];
    for (int64_t i = 0; i < window; ++i) a[r][at + i] = gram[i % span];
  }
  return out.to(batch.device());
}

}  // namespace spikebench
