#pragma once
// One parameter update of the decoder LM, shared by the `train_lm` runner and the training
// benchmark (bench/model): AdamW with the decay rule below, gradient accumulation over
// micro-batches, mixed precision (autocast + dynamic loss scaling for fp16), data-parallel
// gradient averaging, gradient clipping (the pre-clip norm is returned), and the optimizer step
// unless the update is non-finite or an fp16 overflow.
#include <torch/torch.h>

#include <memory>
#include <optional>
#include <vector>

#include "models/decoder.h"
#include "suite/engine/distributed.h"
#include "suite/engine/loss_scaler.h"
#include "suite/engine/precision.h"

namespace spikebench::engine {

struct TrainerOptions {
  double lr = 5e-4, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double weight_decay = 0.01;  // on tensors with >= 2 dims (matrices, embeddings) only
  double clip = 1.0;           // global gradient-norm clipping; <= 0 disables
  int64_t micro_batch = 0;     // sequences per forward on this rank; 0 = all of its rows
  Precision precision = Precision::fp32;
  bool fused_adamw =
      true;  // one multi-tensor kernel per group (at::_fused_adamw_), else LibTorch's loop
  LossScalerOptions loss_scaler;  // used with fp16
};

struct StepStats {
  double loss = 0;       // mean next-token cross entropy over the global batch
  double grad_norm = 0;  // global gradient norm before clipping (unscaled)
  double loss_scale = 1;
  bool overflow = false;                 // fp16: gradients overflowed, the update was skipped
  bool applied = false;                  // the optimizer stepped
  std::vector<double> layer_grad_norms;  // per layer, when asked for
};

class Trainer {
 public:
  /// `comm` may be null (a single process). The model must already be on `device`.
  Trainer(models::DecoderLM model, const TrainerOptions& o, torch::Device device,
          Communicator* comm);

  /// One update on `batch` — the GLOBAL batch (B, T + 1) int64 on the CPU; this rank trains on
  /// rows [rank·B/W, (rank+1)·B/W). `probe`, if given, records the first micro-batch's norm
  /// inputs; `layer_norms` adds per-layer gradient norms to the result.
  StepStats step(const torch::Tensor& batch, double lr, models::Probe* probe = nullptr,
                 bool layer_norms = false);
  /// Mean cross entropy over validation blocks; fn(i) gives block i (the same on every rank),
  /// whose rows are split over the ranks.
  double validation_loss(const std::function<torch::Tensor(int64_t)>& block, int64_t blocks);

  torch::optim::AdamW& optimizer() { return *optimizer_; }
  DynamicLossScaler* scaler() { return scaler_ ? &*scaler_ : nullptr; }
  const torch::Device& device() const { return device_; }
  int rank() const { return comm_ ? comm_->world().rank : 0; }
  int world_size() const { return comm_ ? comm_->world().size : 1; }

 private:
  models::DecoderLM model_;
  TrainerOptions o_;
  torch::Device device_;
  Communicator* comm_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::optional<DynamicLossScaler> scaler_;
  std::vector<torch::Tensor> params_;
};

/// One AdamW update of every parameter with a gradient through PyTorch's fused multi-tensor
/// kernel (what torch.optim.AdamW(fused=True) runs), on the optimizer's own state, so
/// checkpoints and torch::optim::AdamW::step stay interchangeable.
void fused_adamw_step(torch::optim::AdamW& optimizer);

/// AdamW with two groups. Weight decay rule: tensors with >= 2 dimensions (weight matrices,
/// token and position embeddings) decay; biases and norm gains (1-D) do not.
std::unique_ptr<torch::optim::AdamW> make_adamw(const std::vector<torch::Tensor>& params,
                                                const TrainerOptions& o);

}  // namespace spikebench::engine
