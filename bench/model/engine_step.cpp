// Mirrors the update loop of suite/engine/train_lm.cpp (make_optimizer and the step body, minus
// result logging): keep the two in step when the engine changes.
#include "bench/model/engine_step.h"

#include <sys/resource.h>

#include <chrono>

namespace spikebench::bench {

Shape shape(const std::string& name) {
  Shape s;
  if (name == "350m") {
    s.config = models::flavor("350m").config, s.batch = 1, s.seq_len = 512;
  } else if (name == "cpu") {
    s.config = models::flavor("cpu").config, s.batch = 16, s.seq_len = 128;
  } else if (name == "v50257") {
    s.config = models::flavor("cpu").config, s.batch = 8, s.seq_len = 128;
    s.config.vocab = 50257, s.config.d = 256, s.config.d_ffn = 1024;
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
  model_ = models::DecoderLM(s.config);
  // train_lm's make_optimizer: >= 2-dim tensors decay (0.01), biases and gains do not.
  std::vector<torch::Tensor> decay, no_decay;
  for (auto& p : model_->parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  auto opts = [](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(5e-4).betas({0.9, 0.999}).eps(1e-8).weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, opts(0.01));
  groups.emplace_back(no_decay, opts(0.0));
  optimizer_ = std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(5e-4));
  params_ = model_->parameters();
  auto batch = torch::randint(s.config.vocab, {s.batch, s.seq_len + 1}, torch::kLong);
  inputs_ = batch.slice(1, 0, s.seq_len), targets_ = batch.slice(1, 1);
  model_->train();
}

double EngineStep::step() {
  using clock = std::chrono::steady_clock;
  auto since = [](clock::time_point& t) {  // seconds since t; t = now
    const auto now = clock::now();
    const double s = std::chrono::duration<double>(now - t).count();
    t = now;
    return s;
  };
  auto t = clock::now();
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(5e-4);
  optimizer_->zero_grad();
  auto loss = model_->loss(inputs_, targets_);
  phases.forward += since(t);
  loss.total.backward();
  const double value = loss.cross_entropy.item<double>();
  phases.backward += since(t);
  const double grad_norm = torch::nn::utils::clip_grad_norm_(params_, 1.0);
  phases.clip += since(t);
  if (std::isfinite(value) && std::isfinite(grad_norm)) optimizer_->step();
  phases.optimizer += since(t);
  return value;
}

}  // namespace spikebench::bench
