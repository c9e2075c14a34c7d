#include "suite/engine/throughput.h"

#include <torch/torch.h>

#include <chrono>

#include "core/error.h"
#include "models/decoder.h"
#include "suite/engine/lm_step.h"
#include "suite/engine/peak_flops.h"

namespace spikebench::engine {

Throughput measure_throughput(const ThroughputOptions& o) {
  auto config = models::flavor(o.size).config;
  config.stabilizers = {"scaled_embed"};
  if (o.seq_len < 1 || o.seq_len > config.max_len)
    fail("--seq-len must be in [1, ", config.max_len, "]");
  if (o.batch < 1 || o.steps < 1 || o.warmup < 0)
    fail("--batch and --steps must be >= 1, --warmup >= 0");
  config.loss_chunk = o.loss_chunk;
  if (config.loss_chunk < 0) fail("--loss-chunk must be >= 0");
  const auto precision = parse_precision(o.precision);
  if (o.device != "auto" && o.device != "cpu" && o.device != "cuda")
    fail("--device '", o.device, "': auto, cpu or cuda");
  const bool cuda = o.device != "cpu" && torch::cuda::is_available();
  if (o.device == "cuda" && !cuda) fail("--device cuda: no CUDA device in this build/machine");
  if (uses_loss_scaler(precision) && !cuda)
    fail("--precision ", o.precision, " needs a CUDA device");
  if (o.threads > 0) torch::set_num_threads(o.threads);

  const torch::Device device = cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  torch::manual_seed(0);
  models::DecoderLM model(config);
  model->to(device);
  to_precision(*model, precision);
  model->train();
  TrainerOptions t;
  t.precision = precision, t.micro_batch = o.micro_batch;
  auto trainer = make_lm_trainer(model, t, device, nullptr);
  const auto tokens = torch::randint(config.vocab, {o.batch, o.seq_len + 1}, torch::kLong);
  auto sync = [&] {
    if (cuda) torch::cuda::synchronize();
  };
  for (int64_t i = 0; i < o.warmup; ++i) lm_step(trainer, model, tokens, 1e-4);
  sync();
  Throughput r;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < o.steps; ++i) r.last_loss = lm_step(trainer, model, tokens, 1e-4).loss;
  sync();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.tokens_per_s = static_cast<double>(o.steps * o.batch * o.seq_len) / r.seconds;
  r.flops_per_token = models::training_flops_per_token(config, o.seq_len);
  r.device = device_name(cuda, 0);
  r.peak_flops = peak_flops(r.device, arithmetic_name(precision));
  if (r.peak_flops) r.mfu = r.tokens_per_s * r.flops_per_token / *r.peak_flops;
  return r;
}

}  // namespace spikebench::engine
