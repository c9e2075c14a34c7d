#include "suite/engine/distributed.h"

#include <torch/torch.h>

#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef SPIKEBENCH_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef SPIKEBENCH_CUDA
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL  // ProcessGroupNCCL.hpp declares its class only under this macro
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <string>

#include "core/error.h"

namespace spikebench::engine {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

int env_int(const char* name, int fallback, int lo, int hi) {
  const char* v = env(name);
  if (!v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < lo || x > hi)
    fail("environment variable ", name, "='", v, "' is not an integer in [", lo, ", ", hi, "]");
  return static_cast<int>(x);
}

}  // namespace

World World::from_env() {
  World w;
  if (env("WORLD_SIZE") || env("RANK")) {
    w.launcher = "torchrun";
    if (!env("WORLD_SIZE") || !env("RANK"))
      fail("data parallel: RANK and WORLD_SIZE must be set together (torchrun sets both)");
    w.size = env_int("WORLD_SIZE", 1, 1, 1 << 20);
    w.rank = env_int("RANK", 0, 0, w.size - 1);
    w.local_rank = env_int("LOCAL_RANK", w.rank, 0, 1 << 20);
  } else if (env("SLURM_PROCID") && env("SLURM_NTASKS")) {
    w.launcher = "slurm";
    w.size = env_int("SLURM_NTASKS", 1, 1, 1 << 20);
    w.rank = env_int("SLURM_PROCID", 0, 0, w.size - 1);
    w.local_rank = env_int("SLURM_LOCALID", 0, 0, 1 << 20);
  }
  if (const char* a = env("MASTER_ADDR"))
    w.master_addr = a;
  else if (const char* s = env("SLURM_LAUNCH_NODE_IPADDR"))
    w.master_addr = s;
  w.master_port = env_int("MASTER_PORT", 29500, 1, 65535);
  return w;
}

struct Communicator::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> backend;
};

bool distributed_available() {
#ifdef SPIKEBENCH_HAVE_GLOO
  return true;
#else
  return false;
#endif
}

std::string default_backend(const torch::Device& device) {
  return device.is_cuda() ? "nccl" : "gloo";
}

Communicator::Communicator(World world, const std::string& backend, std::chrono::seconds timeout,
                           bool always_group)
    : world_(std::move(world)), backend_(backend) {
  if (world_.size == 1 && !always_group) return;
  if (backend_ != "gloo" && backend_ != "nccl")
    fail("data parallel: unknown backend '", backend_, "' (valid: gloo, nccl)");
  auto group = std::make_unique<Group>();
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<std::uint16_t>(world_.master_port);
  opts.isServer = world_.rank == 0;
  opts.numWorkers = static_cast<std::size_t>(world_.size);
  opts.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  try {
    group->store = c10::make_intrusive<c10d::TCPStore>(world_.master_addr, opts);
  } catch (const std::exception& e) {
    fail("data parallel: rank ", world_.rank, " could not reach the TCP store at ",
         world_.master_addr, ":", world_.master_port, " (MASTER_ADDR/MASTER_PORT): ", e.what());
  }
  if (backend_ == "gloo") {
#ifdef SPIKEBENCH_HAVE_GLOO
    auto options = c10d::ProcessGroupGloo::Options::create_default(
        std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
    group->backend = c10::make_intrusive<c10d::ProcessGroupGloo>(group->store, world_.rank,
                                                                 world_.size, options);
#else
    fail("data parallel: this build has no Gloo (install libgloo-dev and reconfigure)");
#endif
  } else {
#ifdef SPIKEBENCH_CUDA
    auto options = c10d::ProcessGroupNCCL::Options::create();
    group->backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(group->store, world_.rank,
                                                                 world_.size, options);
#else
    fail("data parallel: NCCL needs the cuda build (cmake --preset cuda)");
#endif
  }
  group_ = std::move(group);
}

Communicator::~Communicator() = default;

void Communicator::average_gradients(const std::vector<torch::Tensor>& params,
                                     int64_t bucket_elements) {
  if (!group_) return;
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) {
      // reshape(-1) below must be a view into p.grad() for the copy-back to land there.
      TORCH_CHECK(p.grad().is_contiguous(), "average_gradients: non-contiguous gradient");
      grads.push_back(p.grad());
    }
  const double inv = 1.0 / world_.size;
  for (size_t i = 0; i < grads.size();) {  // flatten a bucket, reduce, scatter back
    std::vector<torch::Tensor> bucket;
    int64_t n = 0;
    for (; i < grads.size() && (bucket.empty() || n + grads[i].numel() <= bucket_elements); ++i)
      bucket.push_back(grads[i].reshape(-1)), n += grads[i].numel();
    std::vector<torch::Tensor> flat{torch::cat(bucket)};
    group_->backend->allreduce(flat)->wait();
    flat[0].mul_(inv);
    int64_t offset = 0;
    for (auto& g : bucket) {
      g.copy_(flat[0].slice(0, offset, offset + g.numel()));
      offset += g.numel();
    }
  }
}

void Communicator::broadcast(const std::vector<torch::Tensor>& tensors) {
  if (!group_) return;
  torch::NoGradGuard no_grad;
  for (const auto& t : tensors) {
    std::vector<torch::Tensor> one{t.detach()};
    group_->backend->broadcast(one)->wait();
  }
}

double Communicator::sum(double value) {
  if (!group_) return value;
  std::vector<torch::Tensor> one{torch::tensor({value}, torch::kDouble)};
  if (backend_ == "nccl") one[0] = one[0].to(torch::Device(torch::kCUDA, world_.local_rank));
  group_->backend->allreduce(one)->wait();
  return one[0].cpu().item<double>();
}

void Communicator::barrier() {
  if (group_) group_->backend->barrier()->wait();
}

}  // namespace spikebench::engine
