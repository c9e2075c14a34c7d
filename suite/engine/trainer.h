#pragma once
// One parameter update, for every model the suite trains (the decoder LM of `train_lm` and the
// benchmark, the encoder-decoder of `train_mt`): AdamW with the decay rule below, gradient
// accumulation over micro-batches, precision (precision.h: Megatron-style fp16 with fp32 master
// weights, or autocast; dynamic loss scaling for both float16 forms),
// data-parallel gradient averaging, gradient clipping (the pre-clip norm is returned), and the
// optimizer step unless the update is non-finite or an fp16 overflow. What a micro-batch's loss
// is belongs to the caller (suite/engine/lm_step.h for the decoder).
#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

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
  bool loss_scaling = false;       // dynamic loss scaling in any precision (fp16 always has it)
  /// Adam-atan2 (Everett et al. 2024) instead of AdamW's m̂/(√v̂ + ε): adam_atan2_step.
  bool atan2 = false;
  /// Model tensors kept out of weight decay whatever their rank (OLMo 2's embeddings:
  /// `decay_embeddings: false`); under fp16 their masters are.
  std::vector<torch::Tensor> no_decay = {};
};

/// What StepHooks::propose sees before the optimizer steps: the update's loss (summed over ranks)
/// and its pre-clip gradient norm (engine::fit's callbacks judge it: suite/engine/fit.h).
struct StepProposal {
  int64_t step = 0;
  double loss = 0, grad_norm = 0;
};
/// Its answer, ordered by strength (the strongest of several wins): apply the update;
/// skip it (its loss is still a training signal: OLMo-core's skip-step); discard it (not a
/// training signal, like an fp16 overflow: the stability monitor counts it as skipped).
enum class StepVerdict { apply = 0, skip = 1, discard = 2 };

/// What an optimizer-side method may change just before AdamW steps (engine::fit's callbacks:
/// Callback::before_step): the gradients of `params` in place, and a per-tensor multiplier of the
/// learning rate (which scales the decoupled weight decay with it, as lr does).
struct OptimizerStep {
  int64_t step = 0;
  double lr = 0;
  double grad_norm = 0;  // the global norm before clipping
  double clip_coef = 1;  // the factor global clipping applied to the gradients already
  std::vector<torch::Tensor>* params = nullptr;  // what AdamW steps (fp32 masters under fp16)
  torch::optim::AdamW* optimizer = nullptr;      // its moments (the state of a parameter)
  std::vector<double> lr_scale;                  // per parameter; empty: 1 for every one
};

/// The loop's hooks into one update (engine::fit builds them from its callbacks): `propose`
/// judges it before anything steps; `before_step` acts on an update that will be applied.
struct StepHooks {
  std::function<StepVerdict(const StepProposal&)> propose;
  std::function<void(OptimizerStep&)> before_step;
};

struct StepStats {
  double loss = 0;       // the step's loss (the micro-batches' `reported`, summed over ranks)
  double aux_loss =
      NAN;               // the auxiliary losses' part of the objective (summed likewise); NaN: none
  double grad_norm = 0;  // global gradient norm before clipping (unscaled)
  double loss_scale = 1;
  bool overflow = false;                 // fp16: gradients overflowed, the update was skipped
  bool scale_at_min = false;             // fp16: the loss scale was at its minimum already
  bool applied = false;                  // the optimizer stepped
  StepVerdict verdict = StepVerdict::apply;  // propose's (Trainer::update)
  std::vector<double> layer_grad_norms;  // per layer, when asked for
};

/// A micro-batch's contribution: `objective` is what backward sees (normalized so that the
/// gradients summed over micro-batches and averaged over ranks are the step's gradient);
/// `reported` its share of the logged loss (summed over micro-batches and ranks).
struct MicroLoss {
  torch::Tensor objective;
  double reported = 0;
  double auxiliary = NAN;  // its share of an auxiliary loss (z-loss) in `objective`; NaN: none
};

class Trainer {
 public:
  /// `layers[i]` are layer i's parameters (per-layer gradient norms, Figs. 2-3); `comm` may be
  /// null (a single process). The parameters must already be on `device` — and, for fp16, be
  /// float16 (the caller casts its model: to_precision); the Trainer then keeps fp32 masters.
  Trainer(std::vector<torch::Tensor> params, std::vector<std::vector<torch::Tensor>> layers,
          const TrainerOptions& o, torch::Device device, Communicator* comm);

  /// One update: zero grads, `micro(m)` for m < n_micro under autocast (backward of its
  /// objective, scaled in fp16), average over ranks, unscale, clip, step. `hooks`, when given,
  /// are engine::fit's callbacks at update `step`: propose before the optimizer steps (a verdict
  /// other than apply leaves the weights and AdamW's state as they were), before_step on an
  /// update that is applied (after clipping).
  StepStats update(double lr, int64_t n_micro, const std::function<MicroLoss(int64_t)>& micro,
                   bool layer_norms = false, const StepHooks* hooks = nullptr, int64_t step = 0);

  /// The optimizer; under fp16 its parameters are the fp32 master weights, not the model's.
  torch::optim::AdamW& optimizer() { return *optimizer_; }
  /// fp16: the fp32 master weights, in the order of the model's parameters (empty otherwise).
  std::vector<torch::Tensor>& master_params() { return master_; }
  DynamicLossScaler* scaler() { return scaler_ ? &*scaler_ : nullptr; }
  const TrainerOptions& options() const { return o_; }
  const torch::Device& device() const { return device_; }
  Communicator* comm() const { return comm_; }
  int rank() const { return comm_ ? comm_->world().rank : 0; }
  int world_size() const { return comm_ ? comm_->world().size : 1; }

 private:
  TrainerOptions o_;
  torch::Device device_;
  Communicator* comm_;
  std::vector<torch::Tensor> params_;
  std::vector<std::vector<torch::Tensor>> layers_;
  std::vector<torch::Tensor> master_;  // fp16: fp32 copies of params_, what AdamW updates
  std::vector<std::vector<torch::Tensor>> master_layers_;  // fp16: layers_ as masters
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::optional<DynamicLossScaler> scaler_;
};

/// Casts `model` for `precision`: to float16 for fp16 (parameters and floating buffers, so the
/// whole forward pass and the residual stream are fp16); unchanged otherwise.
void to_precision(torch::nn::Module& model, Precision precision);

/// The L2 norm of the gradients of `params` (those without a gradient count as zero).
double grad_norm_of(const std::vector<torch::Tensor>& params);

/// One AdamW update of every parameter with a gradient through PyTorch's fused multi-tensor
/// kernel (what torch.optim.AdamW(fused=True) runs), on the optimizer's own state, so
/// checkpoints and torch::optim::AdamW::step stay interchangeable. `lr_scale` (by parameter,
/// keyed by its TensorImpl; absent: 1) multiplies a parameter's learning rate: those tensors
/// step in a kernel call of their own.
void fused_adamw_step(torch::optim::AdamW& optimizer,
                      const std::map<const void*, double>& lr_scale = {});

/// One Adam-atan2 update (Everett et al. 2024, "Scaling Exponents Across Parameterizations and
/// Optimizers", §4.4; lucidrains/adam-atan2-pytorch): on AdamW's state (moments, step count),
///     m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,
///     p ← p·(1 − lr·λ) − lr·a·atan2(m / (1 − β1^t), b·sqrt(v / (1 − β2^t))),
/// a = 1.27, b = 1 (the reference implementation's defaults): no ε, the update bounded by
/// lr·a·π/2 per element. The decoupled decay is AdamW's (lr·λ; the reference scales λ by
/// lr / initial lr instead). `lr_scale` as fused_adamw_step's.
void adam_atan2_step(torch::optim::AdamW& optimizer,
                     const std::map<const void*, double>& lr_scale = {});

/// AdamW with two groups. Weight decay rule: tensors with >= 2 dimensions (weight matrices,
/// token and position embeddings) decay, except those in o.no_decay; biases and norm gains
/// (1-D) do not.
std::unique_ptr<torch::optim::AdamW> make_adamw(const std::vector<torch::Tensor>& params,
                                                const TrainerOptions& o);

}  // namespace spikebench::engine
