// Runner `train_lm` (Figs. 1, 4-11, Tables 1, 2, 6 at proxy scales): pre-trains the decoder LM
// with AdamW, warmup + cosine decay and clipping (engine::Trainer), logging per update the loss,
// the pre-clip gradient norm, lr and throughput; every K updates per-layer gradient norms and
// norm-input stds; every V updates the validation loss. The stability monitor marks spikes and
// ends a diverged run as `diverged@step` (the paper's N/A). Checkpoints make --resume continue
// bit-identically on CPU. Afterwards: zero-shot WikiText-103 and LAMBADA (Megatron style).
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
#include "suite/model_io/model_folder.h"
#include "suite/data/batches.h"
#include "suite/engine/checkpoint.h"
#include "suite/engine/distributed.h"
#include "suite/engine/lm_step.h"
#include "suite/engine/peak_flops.h"
#include "suite/engine/run_log.h"
#include "suite/engine/train_lm_config.h"
#include "suite/engine/trainer.h"
#include "suite/eval/perplexity.h"
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

/// Per-layer gradient norms and norm-input stds, every layers_every updates (Figs. 2-3, 13).
void log_layers_row(results::Group& g, int64_t step, const StepStats& st,
                    const models::Probe& probe) {
  g.dataset("layers/step").append(static_cast<double>(step));
  g.dataset("layers/grad_norm").append_row(st.layer_grad_norms);
  g.dataset("layers/ln_input_std").append_row(probe.ln_input_std);
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

/// What one training run holds while it trains.
struct LmRun {
  RunContext& ctx;
  const TrainLmConfig& c;
  models::DecoderLM& model;
  Trainer& trainer;
  Batches& data;
  StabilityMonitor& monitor;
  TrainState& state;
  int64_t valid_rows;
};

/// The validation loss over the fixed blocks, appended to valid/.
void validate(LmRun& r, int64_t step) {
  const double loss = lm_validation_loss(
      r.trainer, r.model, [&](int64_t i) { return r.data.valid().valid(i, r.valid_rows); },
      r.c.valid_batches);
  r.ctx.group.dataset("valid/step").append(static_cast<double>(step));
  r.ctx.group.dataset("valid/loss").append(loss);
}

/// Updates from `start` to the end (or divergence): the run's status ("ok" | "diverged@step").
std::string train_loop(LmRun& r, int64_t start, Throughput& timed) {
  const auto& c = r.c;
  auto& g = r.ctx.group;
  for (int64_t step = start; step < c.steps; ++step) {
    const auto t0 = std::chrono::steady_clock::now();
    const double lr = c.injections.lr_at(step, c.schedule.at(step));  // an lr spike, or not
    const bool log_layers = c.layers_every > 0 && step % c.layers_every == 0;
    models::Probe probe;
    const auto batch =
        c.injections.batch_at(step, r.data.train->train(step, c.batch), c.model.vocab, c.seed);
    const auto st = lm_step(r.trainer, r.model, batch, lr,
                            log_layers ? &probe : nullptr, log_layers);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    timed.add(step, seconds);
    const auto obs = r.monitor.observe({step, st.loss, st.grad_norm, st.overflow, st.scale_at_min});
    log_update(g, step, (step + 1) * c.tokens_per_update(), lr, seconds, st, obs);
    if (log_layers) log_layers_row(g, step, st, probe);
    c.injections.log_response(g, step, st.grad_norm);
    if (!obs.diverged.empty()) {
      g.attrs["diverged_reason"] = obs.diverged;
      return "diverged@" + std::to_string(step);
    }
    if ((c.valid_every > 0 && (step + 1) % c.valid_every == 0) || step + 1 == c.steps)
      validate(r, step);
    if (c.checkpoint_every > 0 && (step + 1) % c.checkpoint_every == 0 && step + 1 < c.steps) {
      r.ctx.flush();                                             // results first (rows up to step)
      save_checkpoint(r.ctx.checkpoint_dir, step + 1, r.state);  // then the state to resume from
    }
    char buf[112];
    std::snprintf(buf, sizeof buf, "loss %.4f gnorm %.3f lr %.2e %.0f tok/s%s", st.loss,
                  st.grad_norm, lr, static_cast<double>(c.tokens_per_update()) / seconds,
                  st.overflow ? " (fp16 overflow: skipped)" : "");
    r.ctx.progress.update(step + 1, buf);
  }
  return "ok";
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
  const TrainerOptions topt{c.schedule.lr, c.beta1, c.beta2, c.eps, c.weight_decay, c.clip,
                            c.micro_batch > 0 ? c.micro_batch : c.batch / world, c.precision,
                            c.optimizer == OptimizerKind::adamw_fused, {}};
  Trainer trainer = make_lm_trainer(model, topt, device, ctx.comm);
  if (world > 1) torch::manual_seed(c.seed * 1000003ULL + static_cast<uint64_t>(rank));  // dropout
  Batches data = make_batches(ctx, c, valid_rows);
  StabilityMonitor monitor(c.stability);
  auto& g = ctx.group;
  g.attrs["params"] = models::param_count(c.model);
  g.attrs["tokens_per_update"] = c.tokens_per_update();
  g.attrs["world_size"] = world;
  g.attrs["precision"] = std::string(name_of(c.precision, precision_names()));
  g.attrs["device"] = device.str();
  TrainState state{
      *model, trainer.optimizer(), data.train.get(), trainer.scaler(), &monitor, device, rank};
  if (!trainer.master_params().empty()) state.master = &trainer.master_params();
  LmRun r{ctx, c, model, trainer, data, monitor, state, valid_rows};
  const int64_t start = start_or_resume(ctx, state);

  ctx.progress.begin("  " + ctx.run.name, c.steps);
  model->train();
  Throughput timed(c.steps);
  const std::string status = train_loop(r, start, timed);
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
