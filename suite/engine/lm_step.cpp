#include "suite/engine/lm_step.h"

#include <cmath>

#include "core/error.h"

namespace spikebench::engine {

Trainer make_lm_trainer(models::DecoderLM& model, const TrainerOptions& o, torch::Device device,
                        Communicator* comm) {
  std::vector<std::vector<torch::Tensor>> layers;
  for (int64_t i = 0; i < model->config().n_layers; ++i)
    layers.push_back(model->layer_parameters(i));
  return Trainer(model->parameters(), std::move(layers), o, device, comm);
}

StepStats lm_step(Trainer& trainer, models::DecoderLM& model, const torch::Tensor& batch, double lr,
                  models::Probe* probe, bool layer_norms, const StepHooks* hooks, int64_t step) {
  const int64_t world = trainer.world_size(), rows = batch.size(0);
  if (rows % world != 0) fail("batch ", rows, " is not divisible by the world size ", world);
  const int64_t local = rows / world, requested = trainer.options().micro_batch;
  const int64_t micro = requested > 0 ? std::min(requested, local) : local;
  if (local % micro != 0)
    fail("per-rank batch ", local, " (batch ", rows, " / world ", world,
         ") is not a multiple of micro_batch ", micro);
  const int64_t n_micro = local / micro, seq_len = batch.size(1) - 1;
  const auto mine = batch.slice(0, trainer.rank() * local, (trainer.rank() + 1) * local);
  const auto& device = trainer.device();
  return trainer.update(
      lr, n_micro,
      [&](int64_t m) {
        auto b = mine.slice(0, m * micro, (m + 1) * micro).to(device, /*non_blocking=*/true);
        auto loss = model->loss(b.slice(1, 0, seq_len), b.slice(1, 1), m == 0 ? probe : nullptr);
        // Gradients: the mean over micro-batches (ranks average in the Trainer).
        const double share = static_cast<double>(n_micro * world);
        const double ce = loss.cross_entropy.item<double>();
        return MicroLoss{loss.total / static_cast<double>(n_micro), ce / share,
                         loss.auxiliary.defined() ? loss.auxiliary.item<double>() / share : NAN};
      },
      layer_norms, hooks, step);
}

double lm_validation_loss(Trainer& trainer, models::DecoderLM& model,
                          const std::function<torch::Tensor(int64_t)>& block, int64_t blocks) {
  torch::NoGradGuard no_grad;
  model->eval();
  const int64_t world = trainer.world_size();
  double sum = 0;
  for (int64_t i = 0; i < blocks; ++i) {  // each rank scores its rows of every block
    auto b = block(i);
    if (b.size(0) % world != 0)
      fail("validation block of ", b.size(0), " rows is not divisible by the world size ", world);
    const int64_t local = b.size(0) / world, seq_len = b.size(1) - 1;
    b = b.slice(0, trainer.rank() * local, (trainer.rank() + 1) * local).to(trainer.device());
    AutocastScope autocast(trainer.options().precision, trainer.device().type());
    sum += model->loss(b.slice(1, 0, seq_len), b.slice(1, 1)).cross_entropy.item<double>();
  }
  model->train();
  // Equal row counts per rank: the block mean is the mean of the ranks' means.
  auto* comm = trainer.comm();
  return (comm ? comm->sum(sum) : sum) / static_cast<double>(blocks * world);
}

}  // namespace spikebench::engine
