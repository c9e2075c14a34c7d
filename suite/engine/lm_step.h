#pragma once
// The decoder LM on the engine's Trainer: one update on a global batch of token blocks (each
// rank trains its rows, in micro-batches), and the validation loss over fixed blocks. Used by
// `train_lm` and the training benchmark (bench/model), so both time the same code.
#include <torch/torch.h>

#include <functional>

#include "models/decoder.h"
#include "suite/engine/trainer.h"

namespace spikebench::engine {

/// A Trainer over the model's parameters, with per-layer groups for the gradient norms.
Trainer make_lm_trainer(models::DecoderLM& model, const TrainerOptions& o, torch::Device device,
                        Communicator* comm);

/// One update on `batch` — the GLOBAL batch (B, T + 1) int64 on the CPU; this rank trains rows
/// [rank·B/W, (rank+1)·B/W) in micro-batches of options().micro_batch. The loss is the mean next-
/// token cross entropy over the global batch (auxiliary losses are optimized, not reported).
/// `probe`, if given, records the first micro-batch's norm inputs; `hooks` (engine::fit's) act
/// on update `step` before the optimizer steps (Trainer::update).
StepStats lm_step(Trainer& trainer, models::DecoderLM& model, const torch::Tensor& batch, double lr,
                  models::Probe* probe = nullptr, bool layer_norms = false,
                  const StepHooks* hooks = nullptr, int64_t step = 0);

/// Mean cross entropy over validation blocks; block(i) is the same on every rank, whose rows
/// are split over the ranks.
double lm_validation_loss(Trainer& trainer, models::DecoderLM& model,
                          const std::function<torch::Tensor(int64_t)>& block, int64_t blocks);

}  // namespace spikebench::engine
