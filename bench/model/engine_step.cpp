// The benchmark's update is engine::lm_step, the code train_lm runs: nothing to mirror.
#include "bench/model/engine_step.h"

#include <sys/resource.h>

namespace spikebench::bench {

Shape shape(const std::string& name) {
  Shape s;
  if (name == "350m") {
    s.config = models::flavor("350m").config, s.batch = 1, s.seq_len = 512;
  } else if (name == "cpu") {
    s.config = models::flavor("cpu").config, s.batch = 16, s.seq_len = 128;
  } else if (name == "v50257" || name == "v50257fused") {
    s.config = models::flavor("cpu").config, s.batch = 8, s.seq_len = 128;
    s.config.vocab = 50257, s.config.d = 256, s.config.d_ffn = 1024;
    if (name == "v50257fused") s.config.loss_chunk = 256;  // 4 chunks of the 1024 rows
  } else if (name == "tiny") {  // dispatch-overhead bound: kernels take microseconds
    s.config = models::flavor("cpu").config, s.batch = 2, s.seq_len = 32;
    s.config.d = 64, s.config.n_heads = 2, s.config.d_ffn = 256, s.config.n_layers = 2;
  } else {
    throw std::invalid_argument("unknown bench shape " + name);
  }
  s.config.init = "scaled";
  s.config.stabilizers = {"scaled_embed"};
  return s;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux: KiB
}

double minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_minflt);
}

EngineStep::EngineStep(const Shape& s, uint64_t seed) : shape_(s) {
  torch::manual_seed(seed);
  models::DecoderLM model(s.config);
  model->train();
  model_ = model;
  trainer_ = std::make_unique<engine::Trainer>(
      engine::make_lm_trainer(model_, engine::TrainerOptions{}, torch::kCPU, /*comm=*/nullptr));
  batch_ = torch::randint(s.config.vocab, {s.batch, s.seq_len + 1}, torch::kLong);
}

double EngineStep::step() { return engine::lm_step(*trainer_, model_, batch_, 5e-4).loss; }

}  // namespace spikebench::bench
