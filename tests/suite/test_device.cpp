// The paths a GPU changes, on the device this runs on — a CUDA device when there is one, else the
// CPU (scripts/device-check.sh runs these on the H200; ctest here runs them on the CPU): fp16-style
// dynamic loss scaling through a real overflow, bf16 autocast training, a process group of one
// rank (NCCL on CUDA, Gloo on the CPU), and checkpoint/resume of the training state.
#include <torch/torch.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "models/decoder.h"
#include "suite/engine/checkpoint.h"
#include "suite/engine/distributed.h"
#include "suite/engine/lm_step.h"

using namespace spikebench;
using namespace spikebench::engine;
namespace fs = std::filesystem;

namespace {

torch::Device test_device() {
  return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
}

models::ModelConfig tiny() {
  auto c = models::flavor("tiny").config;
  c.dropout = 0.0, c.stabilizers = {"scaled_embed"};
  return c;
}

torch::Tensor batch(int64_t vocab) { return torch::randint(vocab, {8, 17}, torch::kLong); }

}  // namespace

TEST_CASE("dynamic loss scaling recovers from real overflows", "[device]") {
  const auto device = test_device();
  CAPTURE(device.str());
  torch::manual_seed(2);
  models::DecoderLM model(tiny());
  model->to(device);
  TrainerOptions o;
  // fp16 on a GPU overflows for real at Megatron's 2^32; on the CPU (fp32 compute) a scale of
  // 2^130 lies beyond fp32's largest value (~2^128), so the scaled loss and every gradient are
  // inf. (A scale of 1e38 does not do it: the scaled gradients, ~1e38 x dL/dp, still fit.)
  // Either way the first updates are skipped and the scale backs off until updates apply.
  if (device.is_cuda()) {
    o.precision = Precision::fp16;
  } else {
    o.loss_scaling = true;
    o.loss_scaler.initial_scale = std::ldexp(1.0, 130);
  }
  Trainer trainer = make_lm_trainer(model, o, device, nullptr);
  const auto b = batch(64);
  int skipped = 0, applied = 0;
  double first_scale = 0, last_scale = 0;
  for (int step = 0; step < 80; ++step) {
    const auto st = lm_step(trainer, model, b, 1e-3);
    if (step == 0) first_scale = st.loss_scale;
    last_scale = st.loss_scale;
    skipped += st.overflow, applied += st.applied;
    CHECK(std::isfinite(st.loss));
  }
  CHECK(skipped >= 1);
  CHECK(applied >= 10);
  CHECK(last_scale < first_scale);
}

TEST_CASE("bf16 autocast trains", "[device]") {
  const auto device = test_device();
  torch::manual_seed(3);
  models::DecoderLM model(tiny());
  model->to(device);
  TrainerOptions o;
  o.precision = Precision::bf16;
  Trainer trainer = make_lm_trainer(model, o, device, nullptr);
  const auto b = batch(64);
  const double first = lm_step(trainer, model, b, 3e-3).loss;
  double last = first;
  for (int step = 0; step < 30; ++step) last = lm_step(trainer, model, b, 3e-3).loss;
  CHECK(last < first);
}

TEST_CASE("a process group of one rank: all-reduce, broadcast and sum are the identity",
          "[device]") {
  const auto device = test_device();
  World w;
  w.master_port = 29700 + static_cast<int>(::getpid() % 200);
  Communicator comm(w, device.is_cuda() ? "nccl" : "gloo", std::chrono::seconds(60),
                    /*always_group=*/true);
  auto p = torch::randn({5, 3}, torch::TensorOptions().device(device)).requires_grad_(true);
  p.mutable_grad() = torch::randn({5, 3}, p.options());
  const auto before = p.grad().clone();
  comm.average_gradients({p});
  CHECK(torch::allclose(p.grad(), before));
  comm.broadcast({p});
  CHECK(comm.sum(2.5) == 2.5);
  comm.barrier();
}

TEST_CASE("a checkpoint restores the training state: the next updates repeat exactly", "[device]") {
  const auto device = test_device();
  const fs::path dir =
      fs::temp_directory_path() / ("spikebench-device-ckpt-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto make = [&](models::DecoderLM& m) {
    torch::manual_seed(4);
    m = models::DecoderLM(tiny());
    m->to(device);
  };
  models::DecoderLM a{nullptr}, b{nullptr};
  make(a);
  make(b);
  TrainerOptions o;
  Trainer ta = make_lm_trainer(a, o, device, nullptr), tb = make_lm_trainer(b, o, device, nullptr);
  std::vector<torch::Tensor> batches;
  for (int i = 0; i < 6; ++i) batches.push_back(batch(64));
  for (int i = 0; i < 3; ++i) lm_step(ta, a, batches[i], 1e-3);
  TrainState sa{*a, ta.optimizer(), nullptr, ta.scaler(), nullptr, device, 0};
  save_checkpoint(dir, 3, sa);
  TrainState sb{*b, tb.optimizer(), nullptr, tb.scaler(), nullptr, device, 0};
  REQUIRE(load_checkpoint(dir, sb) == std::optional<int64_t>(3));
  for (int i = 3; i < 6; ++i) {
    const double la = lm_step(ta, a, batches[i], 1e-3).loss;
    const double lb = lm_step(tb, b, batches[i], 1e-3).loss;
    // Bit-identical on the CPU; on a GPU the embedding backward's atomic adds may reorder sums.
    if (device.is_cuda())
      CHECK(la == Approx(lb).epsilon(1e-5));
    else
      CHECK(la == lb);
  }
  fs::remove_all(dir);
}
