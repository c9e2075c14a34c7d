// DecoderLM timings. Issue 4: BM_forward / BM_fwd_bwd at 350M dims, batch 1 x 512 (s/iter, peak
// RSS). Issue 5: BM_train_step/<shape>/threads:N, the engine's update in tokens/s; the same steps
// are timed in Python by scripts/bench_train.py (scripts/bench-model.sh runs both side by side).
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>

#include "bench/model/engine_step.h"

namespace {

using spikebench::bench::EngineStep;
using spikebench::bench::minor_faults;
using spikebench::bench::peak_rss_mib;
using spikebench::bench::shape;

/// Timed iterations / warmup updates: env SPIKEBENCH_BENCH_STEPS / _WARMUP, else the default.
int64_t env_int(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoll(v) : fallback;
}
const int64_t kWarmup = env_int("SPIKEBENCH_BENCH_WARMUP", 3);

void report(benchmark::State& state, int64_t tokens_per_iter) {
  state.counters["tokens_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * tokens_per_iter), benchmark::Counter::kIsRate);
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}

// One forward + cross entropy in training mode (autograd recording, dropout on): the forward
// half of BM_fwd_bwd.
void BM_forward(benchmark::State& state, const std::string& name) {
  torch::set_num_threads(static_cast<int>(state.range(0)));
  const auto s = shape(name);
  torch::manual_seed(0);
  spikebench::models::DecoderLM model(s.config);
  model->train();
  auto tokens = torch::randint(s.config.vocab, {s.batch, s.seq_len + 1}, torch::kLong);
  auto x = tokens.slice(1, 0, s.seq_len), y = tokens.slice(1, 1);
  benchmark::DoNotOptimize(model->loss(x, y).total.item<double>());  // warmup, untimed
  for (auto _ : state) benchmark::DoNotOptimize(model->loss(x, y).total.item<double>());
  report(state, s.batch * s.seq_len);
}

// Inference forward (eval, no autograd): logits and loss only.
void BM_forward_eval(benchmark::State& state, const std::string& name) {
  torch::set_num_threads(static_cast<int>(state.range(0)));
  const auto s = shape(name);
  torch::manual_seed(0);
  spikebench::models::DecoderLM model(s.config);
  model->eval();
  torch::NoGradGuard no_grad;
  auto tokens = torch::randint(s.config.vocab, {s.batch, s.seq_len + 1}, torch::kLong);
  auto x = tokens.slice(1, 0, s.seq_len), y = tokens.slice(1, 1);
  benchmark::DoNotOptimize(model->loss(x, y).total.item<double>());  // warmup, untimed
  for (auto _ : state) benchmark::DoNotOptimize(model->loss(x, y).total.item<double>());
  report(state, s.batch * s.seq_len);
}

// zero_grad (set to none, as the engine does) + forward + backward; no optimizer.
void BM_fwd_bwd(benchmark::State& state, const std::string& name) {
  torch::set_num_threads(static_cast<int>(state.range(0)));
  const auto s = shape(name);
  torch::manual_seed(0);
  spikebench::models::DecoderLM model(s.config);
  model->train();
  auto tokens = torch::randint(s.config.vocab, {s.batch, s.seq_len + 1}, torch::kLong);
  auto x = tokens.slice(1, 0, s.seq_len), y = tokens.slice(1, 1);
  auto fwd_bwd = [&] {
    model->zero_grad();
    auto loss = model->loss(x, y).total;
    loss.backward();
    return loss.item<double>();
  };
  benchmark::DoNotOptimize(fwd_bwd());  // warmup, untimed
  for (auto _ : state) benchmark::DoNotOptimize(fwd_bwd());
  report(state, s.batch * s.seq_len);
}

// The engine's full update; kWarmup updates run untimed first.
void BM_train_step(benchmark::State& state, const std::string& name) {
  torch::set_num_threads(static_cast<int>(state.range(0)));
  EngineStep engine(shape(name), /*seed=*/0);
  for (int64_t i = 0; i < kWarmup; ++i) engine.step();
  const double faults0 = minor_faults();
  double loss = 0;
  for (auto _ : state) loss = engine.step();
  const double n = static_cast<double>(state.iterations());
  report(state, engine.tokens_per_step());
  state.counters["loss"] = loss;
  state.counters["minflt_per_step"] = (minor_faults() - faults0) / n;
}

BENCHMARK_CAPTURE(BM_forward_eval, scaled_embed_350m, std::string("350m"))
    ->ArgName("threads")
    ->Arg(2)
    ->Iterations(env_int("SPIKEBENCH_BENCH_ITERS_350M", 3))
    ->UseRealTime()
    ->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_forward, scaled_embed_350m, std::string("350m"))
    ->ArgName("threads")
    ->Arg(2)
    ->Iterations(env_int("SPIKEBENCH_BENCH_ITERS_350M", 3))
    ->UseRealTime()
    ->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_fwd_bwd, scaled_embed_350m, std::string("350m"))
    ->ArgName("threads")
    ->Arg(2)
    ->Iterations(env_int("SPIKEBENCH_BENCH_ITERS_350M", 3))
    ->UseRealTime()
    ->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_train_step, scaled_embed_cpu, std::string("cpu"))
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(env_int("SPIKEBENCH_BENCH_STEPS", 20))
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_train_step, scaled_embed_tiny, std::string("tiny"))
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(env_int("SPIKEBENCH_BENCH_STEPS", 20))
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_train_step, scaled_embed_v50257, std::string("v50257"))
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(env_int("SPIKEBENCH_BENCH_STEPS", 20))
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
// v50257 with the fused chunked output-layer loss (models/fused_cross_entropy.h), issue 16.
BENCHMARK_CAPTURE(BM_train_step, scaled_embed_v50257fused, std::string("v50257fused"))
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(env_int("SPIKEBENCH_BENCH_STEPS", 20))
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
