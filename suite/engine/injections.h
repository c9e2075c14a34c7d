#pragma once
// Induced spikes (issue 24's stress tests): perturbations of single updates, applied by train_lm's
// loop, so that a spike — and a method's response to it — happens on every seed at a known update
// instead of by chance.
//   ngram    OLMo 2's trigger (Team OLMo 2025, §3.2.1): the batch gets repeated n-grams
//            (suite/data/repeated_ngrams.h);
//   lr_spike the update's learning rate × lr_spike_factor (a scheduler bug, a too-aggressive
//            restart);
//   corrupt  the batch replaced by uniformly random tokens (suite/data/random_batch.h; a broken
//            shard).
// Each injected update appends its step, pre-clip gradient norm and that norm over the median of
// the previous (up to 8) updates' to <kind>/ of the run's results; the loss jump and recovery
// after it are metric reductions of the curves (train/loss:rise_after_K, recovery_after_K).
// A batch injection belongs to the data — its `*_steps` number the batch, which trains update
// of that number unless a rollback skipped batches (BatchSource::batch_index) — and the lr spike
// to the schedule (it numbers the update).
#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "suite/config/reader.h"
#include "suite/results/tree.h"

namespace spikebench::engine {

struct Injections {
  std::vector<int64_t> ngram_steps;  // updates given repeated n-grams
  int64_t ngram_span = 2, ngram_repeats = 32;
  std::vector<int64_t> lr_spike_steps;  // updates whose lr is multiplied by lr_spike_factor
  double lr_spike_factor = 10;
  std::vector<int64_t> corrupt_steps;  // updates whose batch is random tokens

  /// The keys (ngram_*, lr_spike_*, corrupt_steps), range-checked against steps and seq_len.
  static Injections parse(const config::Reader& r, int64_t steps, int64_t seq_len);
  /// The learning rate of update `step`: `lr`, or lr × lr_spike_factor at an lr-spike update.
  double lr_at(int64_t step, double lr) const;
  /// Training batch number `index`, perturbed where an injection says so; deterministic in
  /// (seed, index), so a resumed run sees the same batches.
  torch::Tensor batch_at(int64_t index, torch::Tensor batch, int64_t vocab, int64_t seed) const;
  /// Appends the gradient response of update `step`, which trained on batch `batch_index`, to
  /// <kind>/ for each kind injected there (nothing at an update without an injection).
  void log_response(results::Group& g, int64_t step, int64_t batch_index, double grad_norm) const;
  /// The kinds, which are also the results groups the responses go to.
  static constexpr const char* kKinds[] = {"ngram", "lr_spike", "corrupt"};
};

/// The keys and defaults, for train_lm's table of keys.
extern const char* const kInjectionKeys;

}  // namespace spikebench::engine
