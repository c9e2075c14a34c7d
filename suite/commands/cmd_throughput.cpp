// spikebench throughput: tokens/s and MFU of the engine's training update (engine::lm_step, the
// code train_lm runs) on random tokens, at a model size and precision — what the plan's GPU-hours
// and the device check need. FLOPs per token: 6·P + 12·N·L·d (PaLM's convention, App. B).
#include <torch/torch.h>

#include <chrono>
#include <cstdio>

#include "core/error.h"
#include "models/decoder.h"
#include "cli/command.h"
#include "cli/options.h"
#include "suite/engine/lm_step.h"
#include "suite/engine/peak_flops.h"

namespace spikebench::cli {
namespace {

int run(const std::vector<std::string>& args) {
  po::options_description opts("throughput options");
  opts.add_options()("size", po::value<std::string>()->default_value("350m"),
                     "model flavor (350m: Table 3's N 24, d 1024)")(
      "seq-len", po::value<int64_t>()->default_value(2048), "tokens per sequence")(
      "batch", po::value<int64_t>()->default_value(8), "sequences per update")(
      "micro-batch", po::value<int64_t>()->default_value(0), "sequences per forward (0 = batch)")(
      "precision", po::value<std::string>()->default_value("bf16"), "fp32 | bf16 | fp16 (Megatron-style: fp16 model, fp32 masters) | fp16_autocast")(
      "device", po::value<std::string>()->default_value("auto"), "auto | cpu | cuda")(
      "steps", po::value<int64_t>()->default_value(30), "timed updates")(
      "warmup", po::value<int64_t>()->default_value(5), "untimed updates first")(
      "threads", po::value<int>()->default_value(0), "CPU intra-op threads (0 = default)")(
      "loss-chunk", po::value<int64_t>()->default_value(0),
      "rows per chunk of the fused output-layer loss (0 = unfused; model key loss_chunk)")(
      "json", po::bool_switch(), "print one JSON object");
  auto vm = parse("throughput",
                  "[--size 350m] [--seq-len 2048] [--batch 8] [--precision bf16] [--steps 30] "
                  "[--json]",
                  opts, {}, args);
  if (!vm) return 0;
  auto config = models::flavor((*vm)["size"].as<std::string>()).config;
  config.stabilizers = {"scaled_embed"};
  const int64_t seq_len = (*vm)["seq-len"].as<int64_t>(), batch = (*vm)["batch"].as<int64_t>();
  const int64_t steps = (*vm)["steps"].as<int64_t>(), warmup = (*vm)["warmup"].as<int64_t>();
  if (seq_len < 1 || seq_len > config.max_len)
    fail("--seq-len must be in [1, ", config.max_len, "]");
  if (batch < 1 || steps < 1 || warmup < 0) fail("--batch and --steps must be >= 1, --warmup >= 0");
  config.loss_chunk = (*vm)["loss-chunk"].as<int64_t>();
  if (config.loss_chunk < 0) fail("--loss-chunk must be >= 0");
  const auto precision = engine::parse_precision((*vm)["precision"].as<std::string>());
  const auto dev = (*vm)["device"].as<std::string>();
  if (dev != "auto" && dev != "cpu" && dev != "cuda")
    fail("--device '", dev, "': auto, cpu or cuda");
  const bool cuda = dev != "cpu" && torch::cuda::is_available();
  if (dev == "cuda" && !cuda) fail("--device cuda: no CUDA device in this build/machine");
  if (engine::uses_loss_scaler(precision) && !cuda)
    fail("--precision ", (*vm)["precision"].as<std::string>(), " needs a CUDA device");
  if (const int t = (*vm)["threads"].as<int>(); t > 0) torch::set_num_threads(t);
  const torch::Device device = cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  torch::manual_seed(0);
  models::DecoderLM model(config);
  model->to(device);
  engine::to_precision(*model, precision);
  model->train();
  engine::TrainerOptions o;
  o.precision = precision, o.micro_batch = (*vm)["micro-batch"].as<int64_t>();
  auto trainer = engine::make_lm_trainer(model, o, device, nullptr);
  const auto tokens = torch::randint(config.vocab, {batch, seq_len + 1}, torch::kLong);
  auto sync = [&] {
    if (cuda) torch::cuda::synchronize();
  };
  for (int64_t i = 0; i < warmup; ++i) engine::lm_step(trainer, model, tokens, 1e-4);
  sync();
  const auto t0 = std::chrono::steady_clock::now();
  double loss = 0;
  for (int64_t i = 0; i < steps; ++i) loss = engine::lm_step(trainer, model, tokens, 1e-4).loss;
  sync();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double tokens_per_s = static_cast<double>(steps * batch * seq_len) / seconds;
  const double flops = models::training_flops_per_token(config, seq_len);
  const auto name = engine::device_name(cuda, 0);
  const auto peak = engine::peak_flops(name, engine::arithmetic_name(precision));
  const double mfu = peak ? tokens_per_s * flops / *peak : NAN;
  if ((*vm)["json"].as<bool>()) {
    std::printf(
        "{\"device\": \"%s\", \"size\": \"%s\", \"seq_len\": %lld, \"batch\": %lld, "
        "\"precision\": \"%s\", \"loss_chunk\": %lld, \"steps\": %lld, \"seconds\": %.6g, "
        "\"tokens_per_s\": %.6g, "
        "\"model_flops_per_token\": %.6g, \"flops_convention\": \"6P + 12 N L d per token\", "
        "\"peak_flops\": %.6g, \"mfu\": %s, \"last_loss\": %.6g}\n",
        name.c_str(), (*vm)["size"].as<std::string>().c_str(), static_cast<long long>(seq_len),
        static_cast<long long>(batch), (*vm)["precision"].as<std::string>().c_str(),
        static_cast<long long>(config.loss_chunk), static_cast<long long>(steps), seconds,
        tokens_per_s, flops, peak ? *peak : 0.0,
        peak ? std::to_string(mfu).c_str() : "null", loss);
  } else {
    std::printf("%s, %s, %lld x %lld tokens, %s: %.0f tokens/s over %lld updates (%.2f s)\n",
                name.c_str(), (*vm)["size"].as<std::string>().c_str(),
                static_cast<long long>(batch), static_cast<long long>(seq_len),
                (*vm)["precision"].as<std::string>().c_str(), tokens_per_s,
                static_cast<long long>(steps), seconds);
    std::printf(
        "model FLOPs per token %.4g (6P + 12 N L d); MFU %s\n", flops,
        peak ? (std::to_string(100 * mfu) + " %").c_str() : "n/a (no peak for this device)");
  }
  return 0;
}

SPIKEBENCH_COMMAND("throughput", run);

}  // namespace
}  // namespace spikebench::cli
