// The paths a GPU changes, on the device this runs on — a CUDA device when there is one, else the
// CPU (scripts/device-check.sh runs these on the H200; ctest here runs them on the CPU, whose
// LibTorch half kernels run the tiny model): Megatron-style fp16 (an fp16 model with fp32 master
// weights; a planted overflow in the fp16 residual stream skipped by the loss scaler; dynamic loss
// scaling through real overflows), bf16 autocast training, a process group of one rank (NCCL on
// CUDA, Gloo on the CPU), and checkpoint/resume of the training state in fp32 and fp16.
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

TEST_CASE("dynamic loss scaling recovers from real fp16 overflows", "[device]") {
  const auto device = test_device();
  CAPTURE(device.str());
  torch::manual_seed(2);
  models::DecoderLM model(tiny());
  model->to(device);
  TrainerOptions o;
  o.precision = Precision::fp16;  // Megatron's initial scale 2^32: the fp16 gradients overflow
  to_precision(*model, o.precision);
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

TEST_CASE("fp16 as Megatron trains it: an fp16 model, fp32 master weights", "[device]") {
  const auto device = test_device();
  torch::manual_seed(5);
  models::DecoderLM model(tiny());
  model->to(device);
  TrainerOptions o;
  o.precision = Precision::fp16;
  o.loss_scaler.initial_scale = 1024;  // no overflow: every update applies
  to_precision(*model, o.precision);
  Trainer trainer = make_lm_trainer(model, o, device, nullptr);
  const auto params = model->parameters();
  auto& master = trainer.master_params();
  REQUIRE(master.size() == params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    CHECK(params[i].scalar_type() == torch::kHalf);
    CHECK(master[i].scalar_type() == torch::kFloat);
    CHECK(torch::equal(master[i].to(torch::kHalf), params[i]));  // fp16-rounded init
  }
  // The optimizer updates the masters, not the model.
  for (const auto& group : trainer.optimizer().param_groups())
    for (const auto& p : group.params()) CHECK(p.scalar_type() == torch::kFloat);
  const auto before = master[0].detach().clone();
  const auto b = batch(64);
  const double first = lm_step(trainer, model, b, 3e-3).loss;
  double last = first;
  for (int step = 0; step < 30; ++step) last = lm_step(trainer, model, b, 3e-3).loss;
  CHECK(last < first);
  CHECK_FALSE(torch::equal(before, master[0]));
  for (size_t i = 0; i < params.size(); ++i) {
    CHECK(master[i].scalar_type() == torch::kFloat);
    CHECK(params[i].scalar_type() == torch::kHalf);
    CHECK(torch::equal(master[i].to(torch::kHalf), params[i]));  // copied back after each step
  }
  // The masters carry what fp16 rounds away: some master differs from its fp16 value.
  bool finer = false;
  for (size_t i = 0; i < params.size(); ++i)
    finer |= !torch::equal(master[i], params[i].to(torch::kFloat));
  CHECK(finer);
}

TEST_CASE("a planted overflow in the fp16 residual stream is detected and the update skipped",
          "[device]") {
  const auto device = test_device();
  auto make = [&](Precision p) {
    torch::manual_seed(6);
    models::DecoderLM m(tiny());
    m->to(device);
    {  // the plant: layer 1's weight matrices x 1000, so its sub-layer outputs reach ~1e5-1e9,
       // beyond fp16's largest value (65504) but far inside fp32's range
      torch::NoGradGuard no_grad;
      for (auto& w : m->layer_parameters(0))
        if (w.dim() >= 2) w.mul_(1000.0);
    }
    to_precision(*m, p);
    return m;
  };
  const auto b = batch(64);
  {  // fp32: the same weights give a finite (large) loss — the overflow is fp16's
    auto m = make(Precision::fp32);
    TrainerOptions o;
    Trainer t = make_lm_trainer(m, o, device, nullptr);
    CHECK(std::isfinite(lm_step(t, m, b, 1e-9).loss));
  }
  auto m = make(Precision::fp16);
  TrainerOptions o;
  o.precision = Precision::fp16;
  o.loss_scaler.initial_scale = 1.0;  // no scaling involved: the forward pass itself overflows
  Trainer t = make_lm_trainer(m, o, device, nullptr);
  std::vector<torch::Tensor> master_before, params_before;
  for (const auto& x : t.master_params()) master_before.push_back(x.detach().clone());
  for (const auto& x : m->parameters()) params_before.push_back(x.detach().clone());
  const auto st = lm_step(t, m, b, 1e-3);
  CHECK(st.overflow);
  CHECK_FALSE(st.applied);
  CHECK_FALSE(std::isfinite(st.grad_norm));
  CHECK(t.scaler()->skipped() == 1);
  for (size_t i = 0; i < master_before.size(); ++i) {
    CHECK(torch::equal(master_before[i], t.master_params()[i]));
    CHECK(torch::equal(params_before[i], m->parameters()[i]));
  }
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
  const auto precision = GENERATE(Precision::fp32, Precision::fp16);
  CAPTURE(name_of(precision, precision_names()));
  models::DecoderLM a{nullptr}, b{nullptr};
  make(a);
  make(b);
  TrainerOptions o;
  o.precision = precision;
  o.loss_scaler.initial_scale = 1024;  // fp16: updates apply from the first step
  to_precision(*a, precision), to_precision(*b, precision);
  Trainer ta = make_lm_trainer(a, o, device, nullptr), tb = make_lm_trainer(b, o, device, nullptr);
  std::vector<torch::Tensor> batches;
  for (int i = 0; i < 6; ++i) batches.push_back(batch(64));
  for (int i = 0; i < 3; ++i) lm_step(ta, a, batches[i], 1e-3);
  TrainState sa{*a, ta.optimizer(), nullptr, ta.scaler(), nullptr, device, 0};
  if (!ta.master_params().empty()) sa.master = &ta.master_params();
  save_checkpoint(dir, 3, sa);
  // b's own masters and moments differ from a's (it never trained): the load must replace them.
  lm_step(tb, b, batches[5], 1e-2);
  TrainState sb{*b, tb.optimizer(), nullptr, tb.scaler(), nullptr, device, 0};
  if (!tb.master_params().empty()) sb.master = &tb.master_params();
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
