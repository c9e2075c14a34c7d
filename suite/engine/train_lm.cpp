// Runner `train_lm` (Figs. 1, 4-11, Tables 1, 2, 6 at proxy scales): pre-trains the decoder LM
// with AdamW, warmup + cosine decay and clipping (engine::Trainer), logging per update the loss,
// the pre-clip gradient norm, lr and throughput; every K updates per-layer gradient norms and
// norm-input stds; every V updates the validation loss. The stability monitor marks spikes and
// ends a diverged run as `diverged@step` (the paper's N/A). The loop is engine::fit's, with
// these as its callbacks (suite/engine/fit.h), and the run's interventions among them.
// Checkpoints make --resume continue bit-identically on CPU. Afterwards: zero-shot WikiText-103
// and LAMBADA (Megatron style).
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "core/error.h"
#include "datasets/bpe.h"
#include "models/decoder.h"
#include "suite/data/batches.h"
#include "suite/engine/callbacks.h"
#include "suite/engine/checkpoint.h"
#include "suite/engine/distributed.h"
#include "suite/engine/fit.h"
#include "suite/engine/lm_step.h"
#include "suite/engine/peak_flops.h"
#include "suite/engine/run_log.h"
#include "suite/engine/train_lm_config.h"
#include "suite/engine/trainer.h"
#include "suite/eval/perplexity.h"
#include "suite/model_io/model_folder.h"
#include "suite/progress.h"
#include "suite/runner.h"

namespace spikebench::engine {
namespace {

namespace fs = std::filesystem;

fs::path data_path(const RunContext& ctx, const std::string& p) {
  return fs::path(p).is_relative() ? ctx.env.data_dir / p : fs::path(p);
}

/// The training source (a pure function of seed and step, or a resumable sampler) and the
/// validation source: the training source's held-out part, or held-out shards (§4.1: C4).
struct Batches {
  std::unique_ptr<BatchSource> train, held_out;
  BatchSource& valid() { return held_out ? *held_out : *train; }
};

Batches make_batches(const RunContext& ctx, const TrainLmConfig& c, int64_t valid_rows) {
  Batches b;
  const auto seed = static_cast<uint64_t>(c.seed);
  if (c.data == DataKind::shards)
    b.train =
        std::make_unique<ShardBatches>(data_path(ctx, c.shards_dir), c.seq_len, c.batch, seed);
  else
    b.train = std::make_unique<ByteCorpus>(ctx.env.data_dir, c.data_bytes, c.valid_fraction,
                                           c.seq_len, seed);
  if (!c.valid_shards_dir.empty())
    b.held_out = std::make_unique<ShardBatches>(data_path(ctx, c.valid_shards_dir), c.seq_len,
                                                valid_rows, seed);
  return b;
}

/// Per-layer gradient norms and norm-input stds, every layers_every updates (Figs. 2-3, 13), and
/// each head's largest attention logit (layer-major: QK-Clip's S_max, of the first micro-batch).
void log_layers_row(results::Group& g, int64_t step, const StepStats& st,
                    const models::Probe& probe) {
  g.dataset("layers/step").append(static_cast<double>(step));
  g.dataset("layers/grad_norm").append_row(st.layer_grad_norms);
  g.dataset("layers/ln_input_std").append_row(probe.ln_input_std);
  g.dataset("layers/attn_logit_max").append_row(probe.attn_logit_max);
}

/// Each layer's parameters, copied (the update/weight ratio's "before").
std::vector<std::vector<torch::Tensor>> layer_snapshot(const models::DecoderLM& model) {
  torch::NoGradGuard no_grad;
  std::vector<std::vector<torch::Tensor>> out;
  for (int64_t i = 0; i < model->config().n_layers; ++i) {
    out.emplace_back();
    for (const auto& p : model->layer_parameters(i)) out.back().push_back(p.detach().clone());
  }
  return out;
}

/// Per layer ‖W_after − W_before‖ / ‖W_before‖ over the layer's parameters (layers/update_ratio:
/// how far one update moved the layer; 0 for a skipped update).
std::vector<double> update_ratios(const models::DecoderLM& model,
                                  const std::vector<std::vector<torch::Tensor>>& before) {
  torch::NoGradGuard no_grad;
  std::vector<double> out;
  for (size_t i = 0; i < before.size(); ++i) {
    double moved = 0, norm = 0;
    const auto now = model->layer_parameters(static_cast<int64_t>(i));
    for (size_t j = 0; j < now.size(); ++j) {
      const auto b = before[i][j].to(torch::kDouble);
      moved += (now[j].to(torch::kDouble) - b).square().sum().item<double>();
      norm += b.square().sum().item<double>();
    }
    out.push_back(norm > 0 ? std::sqrt(moved / norm) : 0.0);
  }
  return out;
}

/// Zero-shot WikiText-103 (adjusted ppl per original word, the number Table 1 compares) and
/// LAMBADA (target ppl, strict accuracy) of the trained model, Megatron style (suite/eval).
void evaluate_zero_shot(RunContext& ctx, const TrainLmConfig& c, models::DecoderLM& model,
                        int64_t batch) {
  if (c.eval_wikitext_windows < 0 && c.eval_lambada_examples < 0) return;
  std::optional<datasets::Gpt2Tokenizer> bpe;
  eval::Tokenize tokenize = eval::byte_tokenize();
  if (model->config().vocab != 256) {
    bpe.emplace(datasets::Gpt2Tokenizer::load(ctx.env.data_dir / "gpt2"));
    tokenize = eval::gpt2_tokenize(*bpe);
  }
  auto& g = ctx.group;
  if (c.eval_wikitext_windows >= 0) {
    const auto set =
        eval::prepare_wikitext(ctx.env.data_dir / "wikitext" / "wiki.test.tokens", tokenize);
    const int64_t overlap = std::min(c.eval_overlap, c.seq_len);  // short proxies
    const auto w = eval::evaluate_wikitext(model, set, c.seq_len, overlap, batch, &ctx.progress,
                                           c.eval_wikitext_windows);
    g.dataset("eval/wikitext_ppl").append(w.ppl);
    g.dataset("eval/wikitext_adjusted_ppl").append(w.adjusted_ppl);
    g.dataset("eval/wikitext_tokens_scored").append(static_cast<double>(w.tokens_scored));
  }
  if (c.eval_lambada_examples >= 0) {
    const auto set =
        eval::prepare_lambada(ctx.env.data_dir / "lambada" / "lambada_test.jsonl", tokenize);
    const auto l = eval::evaluate_lambada(model, set, c.seq_len, /*strict=*/true, &ctx.progress,
                                          c.eval_lambada_examples, batch);
    // Per word: exp(−mean over examples of the target word's log-likelihood), the convention of
    // GPT-2's paper and lm-eval-harness's lambada_openai — the one Table 1's column reads as;
    // per token: over the target's BPE ids.
    g.dataset("eval/lambada_ppl_word").append(l.word_ppl);
    g.dataset("eval/lambada_ppl_token").append(l.ppl);
    g.dataset("eval/lambada_acc").append(l.accuracy);
    g.dataset("eval/lambada_examples").append(static_cast<double>(l.n));
  }
}

/// The trained model as a model folder, with the evaluation settings evaluate_zero_shot uses,
/// so `spikebench eval --checkpoint` repeats them by default.
void save_trained_model(RunContext& ctx, const TrainLmConfig& c, models::DecoderLM& model,
                        int64_t batch) {
  if (ctx.model_dir.empty()) fail("train_lm: save_model needs a model folder (run it via `run`)");
  ModelFolderInfo info;
  info.size = c.size;
  info.source = "run " + ctx.run.name + " after " + std::to_string(c.steps) + " updates";
  info.step = c.steps;
  info.tokenizer = model->config().vocab == 256 ? "bytes" : "gpt2";
  info.seq_len = c.seq_len;
  info.eval_overlap = std::min(c.eval_overlap, c.seq_len);
  info.eval_batch = batch;
  save_model_folder(ctx.model_dir, model, info);
  ctx.group.attrs["model_dir"] = fs::absolute(ctx.model_dir).lexically_normal().string();
}

/// tokens/s after warm-up, model FLOPs per token, MFU on known GPUs, spike scores.
void write_run_attrs(results::Group& g, const TrainLmConfig& c, const torch::Device& device,
                     int64_t world, double timed_seconds, int64_t timed_updates,
                     const StabilityMonitor& monitor) {
  const double flops_per_token = models::training_flops_per_token(c.model, c.seq_len);
  g.attrs["model_flops_per_token"] = flops_per_token;
  g.attrs["loss_spike_score"] = monitor.loss_spike_score();
  g.attrs["grad_spike_score"] = monitor.grad_spike_score();
  if (timed_updates == 0) return;
  const double tokens_per_s =
      static_cast<double>(timed_updates * c.tokens_per_update()) / timed_seconds;
  g.attrs["tokens_per_s"] = tokens_per_s;
  const auto name = device_name(device.is_cuda(), device.index() < 0 ? 0 : device.index());
  g.attrs["device_name"] = name;
  // MFU per device: each rank trains tokens_per_s / world of the tokens.
  if (const auto peak = peak_flops(name, arithmetic_name(c.precision)))
    g.attrs["mfu"] = tokens_per_s * flops_per_token / static_cast<double>(world) / *peak;
}

/// What the run is: its size, batch, world, precision and device.
void write_setup_attrs(results::Group& g, const TrainLmConfig& c, int64_t world,
                       const torch::Device& device) {
  g.attrs["params"] = models::param_count(c.model);
  g.attrs["tokens_per_update"] = c.tokens_per_update();
  g.attrs["world_size"] = world;
  g.attrs["precision"] = std::string(name_of(c.precision, precision_names()));
  g.attrs["device"] = device.str();
}

/// What one training run holds while it trains.
struct LmRun {
  RunContext& ctx;
  const TrainLmConfig& c;
  models::DecoderLM& model;
  Trainer& trainer;
  Batches& data;
  int64_t valid_rows;
};

/// The validation loss over the fixed blocks every valid_every updates and after the last
/// (valid/).
class Validation final : public Callback {
 public:
  explicit Validation(LmRun& r) : r_(r) {}
  std::string name() const override { return "validation"; }
  void after_update(const Update& u) override {
    const auto& c = r_.c;
    if (!((c.valid_every > 0 && (u.step + 1) % c.valid_every == 0) || u.step + 1 == c.steps))
      return;
    const double loss = lm_validation_loss(
        r_.trainer, r_.model, [&](int64_t i) { return r_.data.valid().valid(i, r_.valid_rows); },
        c.valid_batches);
    r_.ctx.group.dataset("valid/step").append(static_cast<double>(u.step));
    r_.ctx.group.dataset("valid/loss").append(loss);
  }

 private:
  LmRun& r_;
};

/// The gradient response of each injected update (injections.h), into <kind>/.
class InjectionLog final : public Callback {
 public:
  InjectionLog(const Injections& injections, const BatchSource& data, results::Group& g)
      : injections_(injections), data_(data), g_(g) {}
  std::string name() const override { return "injections"; }
  void on_update(Update& u) override {
    injections_.log_response(g_, u.step, data_.batch_index(u.step), u.stats.grad_norm);
  }

 private:
  const Injections& injections_;
  const BatchSource& data_;
  results::Group& g_;
};

/// Weight-space stabilizers (QK-Clip) after every update, before validation and checkpoints see
/// the weights: DecoderLM::after_step.
class WeightSpace final : public Callback {
 public:
  explicit WeightSpace(models::DecoderLM& model) : model_(model) {}
  std::string name() const override { return "weight_space"; }
  void after_update(const Update&) override { model_->after_step(); }

 private:
  models::DecoderLM& model_;
};

/// train_lm's update for engine::fit: the step's lr and batch (an injected spike, or not), the
/// update, and its per-layer row every layers_every updates (the probe is the update's; the
/// update/weight ratio from a copy of the layers made before it).
StepFn lm_update(LmRun& r, Throughput& timed) {
  return [&r, &timed](int64_t step, const StepHooks& hooks) {
    const auto& c = r.c;
    const bool log_layers = c.layers_every > 0 && step % c.layers_every == 0;
    // The update/weight ratio's copy, outside the timed update.
    const auto before = log_layers ? layer_snapshot(r.model) : decltype(layer_snapshot(r.model)){};
    const auto t0 = std::chrono::steady_clock::now();
    Update u;
    u.lr = c.injections.lr_at(step, c.schedule.at(step));
    models::Probe probe;
    const auto batch = c.injections.batch_at(
        r.data.train->batch_index(step), r.data.train->train(step, c.batch), c.model.vocab, c.seed);
    u.stats = lm_step(r.trainer, r.model, batch, u.lr, log_layers ? &probe : nullptr, log_layers,
                      &hooks, step);
    u.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    u.tokens = (step + 1) * c.tokens_per_update();
    timed.add(step, u.seconds);
    if (log_layers) {
      log_layers_row(r.ctx.group, step, u.stats, probe);
      r.ctx.group.dataset("layers/update_ratio").append_row(update_ratios(r.model, before));
    }
    if (!std::isnan(u.stats.aux_loss))  // z-loss beside the loss it is added to
      r.ctx.group.dataset("train/aux_loss").append(u.stats.aux_loss);
    char buf[128];
    std::snprintf(buf, sizeof buf, "loss %.4f gnorm %.3f lr %.2e %.0f tok/s%s", u.stats.loss,
                  u.stats.grad_norm, u.lr, static_cast<double>(c.tokens_per_update()) / u.seconds,
                  u.stats.overflow                        ? " (fp16 overflow: skipped)"
                  : u.stats.verdict != StepVerdict::apply ? " (skipped by an intervention)"
                                                          : "");
    u.line = buf;
    return u;
  };
}

void run(RunContext& ctx, const TrainLmConfig& c) {
  const int rank = ctx.comm ? ctx.comm->world().rank : 0;
  const int64_t world = ctx.comm ? ctx.comm->world().size : 1;
  if (c.batch % world != 0)
    fail("train_lm: batch ", c.batch, " is not divisible by the world size ", world);
  const torch::Device device =
      pick_device(c.device, ctx.env, ctx.comm ? ctx.comm->world().local_rank : 0);
  // Validation blocks have micro_batch rows (the global batch when 0), whatever the world size.
  const int64_t valid_rows = c.micro_batch > 0 ? c.micro_batch : c.batch;
  torch::manual_seed(c.seed);  // the same initial weights on every rank
  models::DecoderLM model(c.model);
  model->to(device);
  to_precision(*model, c.precision);  // fp16: a float16 model (fp32 masters in the Trainer)
  TrainerOptions topt{c.schedule.lr,
                      c.beta1,
                      c.beta2,
                      c.eps,
                      c.weight_decay,
                      c.clip,
                      c.micro_batch > 0 ? c.micro_batch : c.batch / world,
                      c.precision,
                      c.optimizer == OptimizerKind::adamw_fused,
                      {}};
  if (!c.decay_embeddings) topt.no_decay = {model->token_embedding, model->position_embedding};
  topt.atan2 = c.optimizer == OptimizerKind::adam_atan2;
  Trainer trainer = make_lm_trainer(model, topt, device, ctx.comm);
  if (world > 1) torch::manual_seed(c.seed * 1000003ULL + static_cast<uint64_t>(rank));  // dropout
  Batches data = make_batches(ctx, c, valid_rows);
  StabilityMonitor monitor(c.stability);
  auto& g = ctx.group;
  write_setup_attrs(g, c, world, device);
  LmRun r{ctx, c, model, trainer, data, valid_rows};
  // engine::fit's callbacks, in their documented order (suite/engine/callbacks.h).
  MonitorCallback monitoring(monitor, g);
  const auto interventions =
      Interventions::make(c.interventions.names, c.interventions.settings, g);
  InjectionLog injection_log(c.injections, *data.train, g);
  WeightSpace weight_space(model);
  Validation validation(r);
  Callbacks callbacks{&monitoring, &injection_log};
  if (model->edits_weights()) {  // the edit must reach the weights AdamW steps, on every rank
    if (!trainer.master_params().empty() || world > 1)
      fail(
          "train_lm: a weight-space stabilizer (qk_clip) runs with fp32/bf16 on one process, "
          "not with fp16 masters or data parallelism");
    callbacks.push_back(&weight_space);  // before the interventions: a rollback snapshots after it
  }
  interventions.append_to(callbacks);
  callbacks.push_back(&validation);
  TrainState state{
      *model, trainer.optimizer(),    data.train.get(),      trainer.scaler(), &monitor, device,
      rank,   save_states(callbacks), load_states(callbacks)};
  if (!trainer.master_params().empty()) state.master = &trainer.master_params();
  CheckpointCallback checkpoints(ctx, state, c.checkpoint_every, c.steps);
  ProgressCallback progress(ctx.progress);
  callbacks.push_back(&checkpoints);
  callbacks.push_back(&progress);
  bind_state(callbacks, state);
  const int64_t start = start_or_resume(ctx, state);

  ctx.progress.begin("  " + ctx.run.name, c.steps);
  model->train();
  Throughput timed(c.steps);
  const std::string status = fit(start, c.steps, lm_update(r, timed), callbacks);
  g.attrs["status"] = status;
  if (status.rfind("diverged@", 0) == 0)  // the update it diverged at, as a number for checks
    g.attrs["diverged_at"] = static_cast<double>(std::stoll(status.substr(9)));
  write_run_attrs(g, c, device, world, timed.seconds(), timed.updates(), monitor);
  if (auto* scaler = trainer.scaler()) g.attrs["skipped_updates"] = scaler->skipped();
  ctx.progress.end(status);
  // A diverged run has no perplexity (the paper's N/A). Rank 0 evaluates; others wait.
  if (status == "ok" && rank == 0) {
    if (c.save_model) save_trained_model(ctx, c, model, valid_rows);
    AutocastScope autocast(c.precision, device.type());
    evaluate_zero_shot(ctx, c, model, valid_rows);
  }
  if (ctx.comm) ctx.comm->barrier();
}

SPIKEBENCH_RUNNER("train_lm", TrainLmConfig,
                  "pre-train the decoder LM; log loss, grad norms, spikes, validation",
                  train_lm_defaults, /*needs_data=*/true, run);

}  // namespace
}  // namespace spikebench::engine
