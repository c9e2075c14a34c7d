// spikebench throughput: tokens/s and MFU of the engine's training update at a model size and
// precision (suite/engine/throughput.h) — what the plan's GPU-hours and the device check need.
#include <cstdio>
#include <string>

#include "cli/command.h"
#include "cli/options.h"
#include "suite/engine/throughput.h"

namespace spikebench::cli {
namespace {

int run(const std::vector<std::string>& args) {
  po::options_description opts("throughput options");
  engine::ThroughputOptions o;
  bool json = false;
  opts.add_options()("size", po::value(&o.size)->default_value(o.size),
                     "model flavor (350m: Table 3's N 24, d 1024)")(
      "seq-len", po::value(&o.seq_len)->default_value(o.seq_len), "tokens per sequence")(
      "batch", po::value(&o.batch)->default_value(o.batch), "sequences per update")(
      "micro-batch", po::value(&o.micro_batch)->default_value(0),
      "sequences per forward (0 = batch)")(
      "precision", po::value(&o.precision)->default_value(o.precision),
      "fp32 | bf16 | fp16 (Megatron-style: fp16 model, fp32 masters) | fp16_autocast")(
      "device", po::value(&o.device)->default_value(o.device), "auto | cpu | cuda")(
      "steps", po::value(&o.steps)->default_value(o.steps), "timed updates")(
      "warmup", po::value(&o.warmup)->default_value(o.warmup), "untimed updates first")(
      "threads", po::value(&o.threads)->default_value(0), "CPU intra-op threads (0 = default)")(
      "loss-chunk", po::value(&o.loss_chunk)->default_value(0),
      "rows per chunk of the fused output-layer loss (0 = unfused; model key loss_chunk)")(
      "json", po::bool_switch(&json), "print one JSON object");
  if (!parse("throughput",
             "[--size 350m] [--seq-len 2048] [--batch 8] [--precision bf16] [--steps 30] "
             "[--json]",
             opts, {}, args))
    return 0;
  const engine::Throughput r = engine::measure_throughput(o);
  const auto ll = [](int64_t v) { return static_cast<long long>(v); };
  if (json) {
    std::printf(
        "{\"device\": \"%s\", \"size\": \"%s\", \"seq_len\": %lld, \"batch\": %lld, "
        "\"precision\": \"%s\", \"loss_chunk\": %lld, \"steps\": %lld, \"seconds\": %.6g, "
        "\"tokens_per_s\": %.6g, "
        "\"model_flops_per_token\": %.6g, \"flops_convention\": \"6P + 12 N L d per token\", "
        "\"peak_flops\": %.6g, \"mfu\": %s, \"last_loss\": %.6g}\n",
        r.device.c_str(), o.size.c_str(), ll(o.seq_len), ll(o.batch), o.precision.c_str(),
        ll(o.loss_chunk), ll(o.steps), r.seconds, r.tokens_per_s, r.flops_per_token,
        r.peak_flops.value_or(0.0), r.peak_flops ? std::to_string(r.mfu).c_str() : "null",
        r.last_loss);
  } else {
    std::printf("%s, %s, %lld x %lld tokens, %s: %.0f tokens/s over %lld updates (%.2f s)\n",
                r.device.c_str(), o.size.c_str(), ll(o.batch), ll(o.seq_len), o.precision.c_str(),
                r.tokens_per_s, ll(o.steps), r.seconds);
    std::printf("model FLOPs per token %.4g (6P + 12 N L d); MFU %s\n", r.flops_per_token,
                r.peak_flops ? (std::to_string(100 * r.mfu) + " %").c_str()
                             : "n/a (no peak for this device)");
  }
  return 0;
}

SPIKEBENCH_COMMAND("throughput", run);

}  // namespace
}  // namespace spikebench::cli
