#pragma once
// Checkpoints that make --resume continue a run exactly: model, optimizer (AdamW moments and
// step counts), the update to resume at, the loss scaler, the data source's position and the
// RNG states (CPU, and the CUDA device's in CUDA builds). Rank 0 writes `last.pt`; with data
// parallelism every other rank writes its own RNG state to `rng.rank<r>.pt` (dropout masks
// differ per rank). Each file is written to a temporary name and renamed: a kill at any
// moment leaves the previous checkpoint intact.
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "suite/engine/loss_scaler.h"
#include "suite/engine/stability_monitor.h"

namespace spikebench {
class BatchSource;
}

namespace spikebench::engine {

struct TrainState {
  torch::nn::Module& model;
  torch::optim::Optimizer& optimizer;
  BatchSource* data;          // null when batches are a function of the step alone
  DynamicLossScaler* scaler;  // null unless fp16
  StabilityMonitor* monitor;  // spike detectors and divergence rule (null: not saved)
  torch::Device device;
  int rank = 0;
  /// Runner-specific state (train_mt's averaging snapshots), written into / read from last.pt.
  std::function<void(torch::serialize::OutputArchive&)> save_extra = nullptr;
  std::function<void(torch::serialize::InputArchive&)> load_extra = nullptr;
  /// fp16 (Megatron-style): the optimizer's fp32 master weights (Trainer::master_params), which
  /// the fp16 model does not hold; null otherwise.
  std::vector<torch::Tensor>* master = nullptr;
};

/// Saves the state reached after `step` updates into `dir`.
void save_checkpoint(const std::filesystem::path& dir, int64_t step, TrainState& s);
/// Restores the state from `dir` and returns the update to continue at; nullopt when `dir`
/// has no checkpoint. A checkpoint set whose files disagree on the step is an Error.
std::optional<int64_t> load_checkpoint(const std::filesystem::path& dir, TrainState& s);

/// The whole state in memory — this rank's RNG streams included, on every rank (a rollback's
/// ring of recent states: suite/engine/interventions/rollback.cpp) — and its restoration.
std::string snapshot_state(TrainState& s);
void restore_state(TrainState& s, const std::string& snapshot);

}  // namespace spikebench::engine
