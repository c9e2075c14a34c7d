#include "suite/engine/trainer.h"

#include <cmath>
#include <map>
#include <set>

#include "core/error.h"

namespace spikebench::engine {
double grad_norm_of(const std::vector<torch::Tensor>& params) {
  double sq = 0;
  for (const auto& p : params)
    if (p.grad().defined()) sq += p.grad().to(torch::kDouble).pow(2).sum().item<double>();
  return std::sqrt(sq);
}

namespace {

/// The AdamW state of `p`, created as LibTorch's AdamW::step would create it (so checkpoints of
/// either step function stay compatible).
torch::optim::AdamWParamState& adamw_state(torch::optim::AdamW& optimizer, const torch::Tensor& p) {
  auto& slot = optimizer.state()[p.unsafeGetTensorImpl()];
  if (!slot) {
    auto st = std::make_unique<torch::optim::AdamWParamState>();
    st->step(0);
    st->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    st->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    slot = std::move(st);
  }
  return static_cast<torch::optim::AdamWParamState&>(*slot);
}

}  // namespace

void fused_adamw_step(torch::optim::AdamW& optimizer,
                      const std::map<const void*, double>& lr_scale) {
  torch::NoGradGuard no_grad;
  for (auto& group : optimizer.param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
    TORCH_CHECK(!o.amsgrad(), "fused_adamw_step: amsgrad is not supported");
    std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs, steps;
    std::vector<torch::optim::AdamWParamState*> states;
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& st = adamw_state(optimizer, p);
      params.push_back(p), grads.push_back(p.grad());
      exp_avgs.push_back(st.exp_avg()), exp_avg_sqs.push_back(st.exp_avg_sq());
      // The kernel reads the step after its increment, as torch.optim's _fused_adamw does.
      steps.push_back(torch::full({}, static_cast<double>(st.step() + 1),
                                  torch::TensorOptions().dtype(torch::kFloat).device(p.device())));
      states.push_back(&st);
    }
    if (params.empty()) continue;
    const auto [beta1, beta2] = o.betas();
    // Decoupled weight decay (Loshchilov & Hutter 2019), bias-corrected moments (Kingma & Ba
    // 2015): the update of torch::optim::AdamW, in one multi-tensor kernel per group ...
    auto kernel = [&, beta1 = beta1, beta2 = beta2](const std::vector<size_t>& which, double lr) {
      auto pick = [&](const std::vector<torch::Tensor>& v) {
        std::vector<torch::Tensor> out;
        for (size_t i : which) out.push_back(v[i]);
        return out;
      };
      at::_fused_adamw_(pick(params), pick(grads), pick(exp_avgs), pick(exp_avg_sqs),
                        /*max_exp_avg_sqs=*/{}, pick(steps), lr, beta1, beta2, o.weight_decay(),
                        o.eps(), /*amsgrad=*/false, /*maximize=*/false);
    };
    // ... and a call of its own for each tensor whose learning rate is scaled.
    std::vector<size_t> plain;
    for (size_t i = 0; i < params.size(); ++i) {
      const auto it = lr_scale.find(params[i].unsafeGetTensorImpl());
      if (it == lr_scale.end() || it->second == 1.0)
        plain.push_back(i);
      else
        kernel({i}, o.lr() * it->second);
    }
    if (!plain.empty()) kernel(plain, o.lr());
    for (auto* st : states) st->step(st->step() + 1);
  }
}

void adam_atan2_step(torch::optim::AdamW& optimizer,
                     const std::map<const void*, double>& lr_scale) {
  constexpr double a = 1.27, b = 1.0;
  torch::NoGradGuard no_grad;
  for (auto& group : optimizer.param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
    const auto [beta1, beta2] = o.betas();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& st = adamw_state(optimizer, p);
      st.step(st.step() + 1);
      const auto t = static_cast<double>(st.step());
      const auto it = lr_scale.find(p.unsafeGetTensorImpl());
      const double lr = o.lr() * (it == lr_scale.end() ? 1.0 : it->second);
      const auto& g = p.grad();
      st.exp_avg().mul_(beta1).add_(g, 1 - beta1);
      st.exp_avg_sq().mul_(beta2).addcmul_(g, g, 1 - beta2);
      p.mul_(1 - lr * o.weight_decay());
      const auto m_hat = st.exp_avg() / (1 - std::pow(beta1, t));
      const auto v_hat = st.exp_avg_sq() / (1 - std::pow(beta2, t));
      p.add_(torch::atan2(m_hat, b * v_hat.sqrt()), -lr * a);
    }
  }
}

std::unique_ptr<torch::optim::AdamW> make_adamw(const std::vector<torch::Tensor>& params,
                                                const TrainerOptions& o) {
  std::vector<torch::Tensor> decay, no_decay;
  std::set<const void*> excluded;
  for (const auto& p : o.no_decay) excluded.insert(p.unsafeGetTensorImpl());
  for (const auto& p : params)
    (p.dim() >= 2 && !excluded.count(p.unsafeGetTensorImpl()) ? decay : no_decay).push_back(p);
  auto opts = [&](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.eps).weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, opts(o.weight_decay));
  groups.emplace_back(no_decay, opts(0.0));
  return std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(o.lr));
}

void to_precision(torch::nn::Module& model, Precision precision) {
  if (uses_fp16_params(precision)) model.to(torch::kHalf);
}

Trainer::Trainer(std::vector<torch::Tensor> params, std::vector<std::vector<torch::Tensor>> layers,
                 const TrainerOptions& o, torch::Device device, Communicator* comm)
    : o_(o), device_(device), comm_(comm), params_(std::move(params)), layers_(std::move(layers)) {
  if (comm_) comm_->broadcast(params_);  // every rank starts from rank 0's weights
  if (uses_fp16_params(o_.precision)) {
    // Megatron's Float16OptimizerWithFloat16Params: the masters are fp32 copies of the fp16
    // parameters (so they start at the fp16-rounded init, as Megatron's do).
    std::map<const void*, size_t> index;
    for (const auto& p : params_) {
      if (p.scalar_type() != torch::kHalf)
        fail("precision fp16: the model's parameters must be float16 (to_precision), found ",
             c10::toString(p.scalar_type()));
      index[p.unsafeGetTensorImpl()] = master_.size();
      master_.push_back(p.detach().to(torch::kFloat).clone().requires_grad_(true));
    }
    for (const auto& layer : layers_) {
      master_layers_.emplace_back();
      for (const auto& p : layer) master_layers_.back().push_back(master_[index.at(p.unsafeGetTensorImpl())]);
    }
  }
  TrainerOptions stepped = o_;  // no_decay names model tensors: under fp16, their masters
  if (!master_.empty()) {
    std::map<const void*, size_t> at;
    for (size_t i = 0; i < params_.size(); ++i) at[params_[i].unsafeGetTensorImpl()] = i;
    stepped.no_decay.clear();
    for (const auto& p : o_.no_decay)
      stepped.no_decay.push_back(master_[at.at(p.unsafeGetTensorImpl())]);
  }
  optimizer_ = make_adamw(master_.empty() ? params_ : master_, stepped);
  if (uses_loss_scaler(o_.precision) || o_.loss_scaling) scaler_.emplace(o_.loss_scaler);
}

StepStats Trainer::update(double lr, int64_t n_micro,
                          const std::function<MicroLoss(int64_t)>& micro, bool layer_norms,
                          const StepHooks* hooks, int64_t step) {
  StepStats s;
  s.loss_scale = scaler_ ? scaler_->scale() : 1.0;
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);
  optimizer_->zero_grad();
  if (!master_.empty())
    for (auto& p : params_) p.mutable_grad() = torch::Tensor();
  double reported = 0, auxiliary = 0;
  bool has_auxiliary = false;
  for (int64_t m = 0; m < n_micro; ++m) {
    MicroLoss loss;
    {
      AutocastScope autocast(o_.precision, device_.type());
      loss = micro(m);
    }
    auto objective = loss.objective;
    if (scaler_) objective = objective * s.loss_scale;  // fp16: scaled loss (Micikevicius 2018)
    objective.backward();
    reported += loss.reported;
    if (!std::isnan(loss.auxiliary)) auxiliary += loss.auxiliary, has_auxiliary = true;
  }
  if (comm_) comm_->average_gradients(params_);
  s.loss = comm_ ? comm_->sum(reported) : reported;
  if (has_auxiliary) s.aux_loss = comm_ ? comm_->sum(auxiliary) : auxiliary;  // same on all ranks
  // fp16: the model's fp16 gradients (an overflow is inf there) become the masters' fp32 ones.
  auto& stepped = master_.empty() ? params_ : master_;
  if (!master_.empty()) {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params_.size(); ++i)
      master_[i].mutable_grad() =
          params_[i].grad().defined() ? params_[i].grad().to(torch::kFloat) : torch::Tensor();
  }
  if (scaler_) {
    torch::NoGradGuard no_grad;
    for (auto& p : stepped)
      if (p.grad().defined()) p.grad().mul_(1.0 / s.loss_scale);
  }
  if (layer_norms)
    for (const auto& layer : master_.empty() ? layers_ : master_layers_)
      s.layer_grad_norms.push_back(grad_norm_of(layer));
  s.grad_norm =
      o_.clip > 0 ? torch::nn::utils::clip_grad_norm_(stepped, o_.clip) : grad_norm_of(stepped);
  if (scaler_) {
    s.scale_at_min = scaler_->scale() <= o_.loss_scaler.min_scale;
    s.overflow = scaler_->update(!std::isfinite(s.grad_norm));
  }
  s.applied = !s.overflow && std::isfinite(s.loss) && std::isfinite(s.grad_norm);
  // Non-finite updates are asked too (propose may discard them rather than let them diverge);
  // an fp16 overflow is the loss scaler's, already skipped.
  if (hooks && hooks->propose && !s.overflow)
    s.verdict = hooks->propose({step, s.loss, s.grad_norm});
  if (s.verdict != StepVerdict::apply) s.applied = false;
  if (s.applied) {
    std::map<const void*, double> lr_scale;
    if (hooks && hooks->before_step) {
      OptimizerStep os{step, lr, s.grad_norm, 1.0, &stepped, optimizer_.get(), {}};
      // clip_grad_norm_'s factor: max_norm / (norm + 1e-6), at most 1
      if (o_.clip > 0) os.clip_coef = std::min(1.0, o_.clip / (s.grad_norm + 1e-6));
      hooks->before_step(os);
      for (size_t i = 0; i < os.lr_scale.size() && i < stepped.size(); ++i)
        lr_scale[stepped[i].unsafeGetTensorImpl()] = os.lr_scale[i];
      if (!lr_scale.empty() && !o_.fused_adamw && !o_.atan2)
        fail("a per-tensor learning rate (update clipping) needs optimizer: adamw_fused");
    }
    if (o_.atan2)
      adam_atan2_step(*optimizer_, lr_scale);
    else if (o_.fused_adamw)
      fused_adamw_step(*optimizer_, lr_scale);
    else
      optimizer_->step();
    if (!master_.empty()) {  // the updated masters, rounded into the fp16 model
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < params_.size(); ++i) params_[i].copy_(master_[i]);
    }
  }
  return s;
}

}  // namespace spikebench::engine
