#pragma once
// Tokens/s and MFU of the engine's training update (engine::lm_step, the code train_lm runs) on
// random tokens: what `spikebench throughput`, the plan's GPU-hours and the device check read.
// FLOPs per token: 6·P + 12·N·L·d (PaLM's convention, App. B).
#include <cstdint>
#include <optional>
#include <string>

namespace spikebench::engine {

struct ThroughputOptions {
  std::string size = "350m";  // model flavor; Scaled Embed, as the paper's recommended model
  int64_t seq_len = 2048, batch = 8, micro_batch = 0, loss_chunk = 0;
  std::string precision = "bf16";  // fp32 | bf16 | fp16 | fp16_autocast
  std::string device = "auto";     // auto | cpu | cuda
  int64_t steps = 30, warmup = 5;
  int threads = 0;  // CPU intra-op threads (0 = default)
};

struct Throughput {
  std::string device;  // the device's name
  double seconds = 0, tokens_per_s = 0;
  double flops_per_token = 0;        // model FLOPs, 6P + 12 N L d
  std::optional<double> peak_flops;  // the device's at this arithmetic, when known
  double mfu = 0;                    // tokens_per_s * flops_per_token / peak (0 without a peak)
  double last_loss = 0;
};

/// Checks the options (an Error names the bad one) and times `steps` updates after `warmup`.
Throughput measure_throughput(const ThroughputOptions& o);

}  // namespace spikebench::engine
