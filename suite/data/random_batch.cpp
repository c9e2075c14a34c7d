#include "suite/data/random_batch.h"

#include <torch/torch.h>

#include <random>

#include "core/error.h"

namespace spikebench {

torch::Tensor random_token_batch(const torch::Tensor& batch, int64_t vocab, uint64_t seed) {
  if (vocab < 1) fail("random token batch: vocabulary of ", vocab, " ids");
  auto out = torch::empty({batch.size(0), batch.size(1)}, torch::kInt64);
  auto* p = out.data_ptr<int64_t>();
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> id(0, vocab - 1);
  for (int64_t i = 0; i < out.numel(); ++i) p[i] = id(rng);
  return out.to(batch.device());
}

}  // namespace spikebench
