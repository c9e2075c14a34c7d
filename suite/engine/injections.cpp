#include "suite/engine/injections.h"

#include <algorithm>
#include <iterator>
#include <string>

#include "suite/data/random_batch.h"
#include "suite/data/repeated_ngrams.h"
#include "stats/stats.h"

namespace spikebench::engine {

const char* const kInjectionKeys = R"(
ngram_steps: []          # updates whose batch gets repeated n-grams (OLMo 2's spike trigger)
ngram_span: 2            # ... tokens per repeated span (OLMo 2: 1-13)
ngram_repeats: 32        # ... copies of the span per row (OLMo 2: >= 32)
lr_spike_steps: []       # updates whose learning rate is multiplied by lr_spike_factor (stress test)
lr_spike_factor: 10.0    # ... the factor
corrupt_steps: []        # updates whose batch is replaced by uniformly random tokens (stress test)
)";

namespace {
bool contains(const std::vector<int64_t>& steps, int64_t step) {
  return std::find(steps.begin(), steps.end(), step) != steps.end();
}

/// Each injected update's pre-clip gradient norm over the median of the previous (up to 8)
/// updates' (read from train/grad_norm, so a resumed run gives the same), appended to <kind>/.
void log_kind(results::Group& g, const std::string& kind, int64_t step, double grad_norm) {
  const auto& all = g.dataset("train/grad_norm").values;  // includes this update's, last
  const size_t n = all.size() > 1 ? std::min<size_t>(8, all.size() - 1) : 0;
  const double median =
      stats::median({all.end() - 1 - static_cast<std::ptrdiff_t>(n), all.end() - 1});
  g.dataset(kind + "/step").append(static_cast<double>(step));
  g.dataset(kind + "/step").integer = true;
  g.dataset(kind + "/grad_norm").append(grad_norm);
  g.dataset(kind + "/grad_ratio").append(grad_norm / median);
}
}  // namespace

Injections Injections::parse(const config::Reader& r, int64_t steps, int64_t seq_len) {
  Injections in;
  auto updates = [&](const char* key) {
    auto v = r.integers(key);
    for (const auto s : v)
      if (s < 1 || s >= steps)
        r.error(key, "update " + std::to_string(s) + " is outside [1, steps)");
    return v;
  };
  in.ngram_steps = updates("ngram_steps");
  in.ngram_span = r.integer("ngram_span", 1);
  in.ngram_repeats = r.integer("ngram_repeats", 1);
  if (!in.ngram_steps.empty() && in.ngram_span * in.ngram_repeats > seq_len + 1)
    r.error("ngram_repeats", std::to_string(in.ngram_repeats) + " copies of a " +
                                 std::to_string(in.ngram_span) +
                                 "-token span exceed seq_len + 1 = " + std::to_string(seq_len + 1));
  in.lr_spike_steps = updates("lr_spike_steps");
  in.lr_spike_factor = r.real("lr_spike_factor", 0, 1e6, /*open_lo=*/true);
  in.corrupt_steps = updates("corrupt_steps");
  for (const auto s : in.corrupt_steps)
    if (contains(in.ngram_steps, s))
      r.error("corrupt_steps", "update " + std::to_string(s) +
                                   " is also in ngram_steps: one batch injection per update");
  return in;
}

double Injections::lr_at(int64_t step, double lr) const {
  return contains(lr_spike_steps, step) ? lr * lr_spike_factor : lr;
}

torch::Tensor Injections::batch_at(int64_t index, torch::Tensor batch, int64_t vocab,
                                   int64_t seed) const {
  const uint64_t s = static_cast<uint64_t>(seed) * 1000003ULL + static_cast<uint64_t>(index);
  if (contains(corrupt_steps, index)) return random_token_batch(batch, vocab, s);
  if (contains(ngram_steps, index))  // a real n-gram of each row, repeated in that row
    return repeated_ngram_batch(batch, ngram_span, ngram_repeats, s);
  return batch;
}

void Injections::log_response(results::Group& g, int64_t step, int64_t batch_index,
                              double grad_norm) const {
  // A batch injection is keyed by the batch's number, the lr spike by the update's.
  const std::pair<const std::vector<int64_t>*, int64_t> keyed[] = {
      {&ngram_steps, batch_index}, {&lr_spike_steps, step}, {&corrupt_steps, batch_index}};
  static_assert(std::size(keyed) == std::size(kKinds), "one step list per kind, in kKinds' order");
  for (size_t i = 0; i < std::size(kKinds); ++i)
    if (contains(*keyed[i].first, keyed[i].second)) log_kind(g, kKinds[i], step, grad_norm);
}

}  // namespace spikebench::engine
