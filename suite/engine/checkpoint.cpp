#include "suite/engine/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize.h>
#include <torch/torch.h>
#ifdef SPIKEBENCH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAGeneratorImpl.h>
#endif

#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "suite/data/batches.h"

namespace spikebench::engine {
namespace {

namespace fs = std::filesystem;

fs::path rng_file(const fs::path& dir, int rank) {
  return dir / ("rng.rank" + std::to_string(rank) + ".pt");
}

void write_rng(torch::serialize::OutputArchive& a, const torch::Device& device) {
  auto cpu = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(cpu.mutex());
    a.write("cpu_rng", cpu.get_state());
  }
#ifdef SPIKEBENCH_CUDA
  if (device.is_cuda()) {
    auto gen = at::cuda::detail::getDefaultCUDAGenerator(device.index());
    std::lock_guard<std::mutex> lock(gen.mutex());
    a.write("cuda_rng", gen.get_state());
  }
#else
  (void)device;
#endif
}

void read_rng(torch::serialize::InputArchive& a, const torch::Device& device) {
  torch::Tensor state;
  a.read("cpu_rng", state);
  state = state.cpu();  // the archive may have been mapped to the training device
  auto cpu = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(cpu.mutex());
    cpu.set_state(state);
  }
#ifdef SPIKEBENCH_CUDA
  if (device.is_cuda()) {
    a.read("cuda_rng", state);
    state = state.cpu();
    auto gen = at::cuda::detail::getDefaultCUDAGenerator(device.index());
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
  }
#else
  (void)device;
#endif
}

void save_atomically(torch::serialize::OutputArchive& a, const fs::path& file) {
  const fs::path tmp = file.string() + ".tmp";
  a.save_to(tmp.string());
  fs::rename(tmp, file);
}

/// Everything but the RNG streams: model, optimizer, data position, loss scaler, monitor, fp32
/// masters and the runner's extra state.
void write_train_state(torch::serialize::OutputArchive& archive, TrainState& s) {
  s.model.save(archive);
  torch::serialize::OutputArchive opt;
  s.optimizer.save(opt);
  archive.write("optimizer", opt);
  const auto data_state = s.data ? s.data->state() : std::vector<int64_t>{};
  archive.write(
      "data_state",
      torch::tensor(std::vector<int64_t>(data_state.begin(), data_state.end()), torch::kInt64));
  if (s.scaler) {
    const auto st = s.scaler->state();
    archive.write("loss_scale", torch::tensor({st.scale}, torch::kDouble));
    archive.write("loss_scale_trackers",
                  torch::tensor({st.growth_tracker, st.hysteresis_tracker, st.skipped}));
  }
  if (s.monitor) archive.write("stability", torch::tensor(s.monitor->state(), torch::kDouble));
  if (s.master)
    for (size_t i = 0; i < s.master->size(); ++i)
      archive.write("master_" + std::to_string(i), (*s.master)[i].detach());
  if (s.save_extra) {
    torch::serialize::OutputArchive extra;
    s.save_extra(extra);
    archive.write("extra", extra);
  }
}

/// write_train_state's inverse; `from` names the source in errors.
void read_train_state(torch::serialize::InputArchive& archive, TrainState& s,
                      const std::string& from) {
  s.model.load(archive);
  torch::serialize::InputArchive opt;
  archive.read("optimizer", opt);
  s.optimizer.load(opt);
  torch::Tensor data_state;
  archive.read("data_state", data_state);
  data_state = data_state.cpu();
  if (s.data)
    s.data->restore(std::vector<int64_t>(data_state.data_ptr<int64_t>(),
                                         data_state.data_ptr<int64_t>() + data_state.numel()));
  if (s.scaler) {
    torch::Tensor scale, trackers;
    if (!archive.try_read("loss_scale", scale) ||
        !archive.try_read("loss_scale_trackers", trackers))
      fail(from, ": no loss-scaler state (was the run started with fp32?)");
    trackers = trackers.cpu();
    s.scaler->restore({scale.cpu().item<double>(), trackers[0].item<int64_t>(),
                       trackers[1].item<int64_t>(), trackers[2].item<int64_t>()});
  }
  if (s.monitor) {
    torch::Tensor st;
    if (!archive.try_read("stability", st))
      fail(from, ": no stability-monitor state (written by an older spikebench?)");
    st = st.cpu().contiguous();
    s.monitor->restore(
        std::vector<double>(st.data_ptr<double>(), st.data_ptr<double>() + st.numel()));
  }
  if (s.master) {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < s.master->size(); ++i) {
      torch::Tensor m;
      if (!archive.try_read("master_" + std::to_string(i), m))
        fail(from, ": no fp32 master weight ", i, " (was the run started in another precision?)");
      (*s.master)[i].copy_(m);  // in place: the optimizer holds these tensors
    }
  }
  if (s.load_extra) {
    torch::serialize::InputArchive extra;
    if (!archive.try_read("extra", extra))
      fail(from, ": no runner state (written by an older spikebench?)");
    s.load_extra(extra);
  }
}

}  // namespace

void save_checkpoint(const fs::path& dir, int64_t step, TrainState& s) {
  fs::create_directories(dir);
  torch::serialize::OutputArchive archive;
  archive.write("step", torch::tensor(step));
  write_rng(archive, s.device);
  if (s.rank != 0) {  // the other ranks own only their RNG streams
    save_atomically(archive, rng_file(dir, s.rank));
    return;
  }
  write_train_state(archive, s);
  save_atomically(archive, dir / "last.pt");
}

std::optional<int64_t> load_checkpoint(const fs::path& dir, TrainState& s) {
  const fs::path main_file = dir / "last.pt";
  if (!fs::exists(main_file)) return std::nullopt;
  torch::serialize::InputArchive archive;
  archive.load_from(main_file.string(), s.device);
  read_train_state(archive, s, main_file.string());
  torch::Tensor step;
  archive.read("step", step);
  if (s.rank == 0) {
    read_rng(archive, s.device);
  } else {
    const fs::path mine = rng_file(dir, s.rank);
    if (!fs::exists(mine))
      fail(mine.string(), ": missing (checkpoint written by a smaller world?)");
    torch::serialize::InputArchive r;
    r.load_from(mine.string());
    torch::Tensor rank_step;
    r.read("step", rank_step);
    if (rank_step.item<int64_t>() != step.item<int64_t>())
      fail(mine.string(), ": step ", rank_step.item<int64_t>(), " but last.pt is at step ",
           step.item<int64_t>(), " (interrupted while checkpointing; restart the run)");
    read_rng(r, s.device);
  }
  return step.item<int64_t>();
}

std::string snapshot_state(TrainState& s) {
  torch::serialize::OutputArchive archive;
  write_rng(archive, s.device);  // this rank's streams: every rank keeps its own snapshot
  write_train_state(archive, s);
  std::ostringstream out;
  archive.save_to(out);
  return std::move(out).str();
}

void restore_state(TrainState& s, const std::string& snapshot) {
  std::istringstream in(snapshot);
  torch::serialize::InputArchive archive;
  archive.load_from(in, s.device);
  read_train_state(archive, s, "rollback snapshot");
  read_rng(archive, s.device);
}

}  // namespace spikebench::engine
