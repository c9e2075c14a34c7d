// Runner `train_lm` (Figs. 1, 4-11, Tables 1, 2, 6 at proxy scales): pre-trains the decoder LM
// with AdamW, warmup + cosine decay and clipping, logging per update the loss, the pre-clip
// gradient norm, lr and throughput; every K updates per-layer gradient norms and norm-input
// stds; every V updates the validation loss. A spike monitor marks spikes; a non-finite or
// blown-up loss ends the run as `diverged@step` (the paper's N/A). Checkpoints make --resume
// continue bit-identically on CPU.
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "core/error.h"
#include "datasets/bpe.h"
#include "models/decoder.h"
#include "suite/data/batches.h"
#include "suite/engine/checkpoint.h"
#include "suite/engine/distributed.h"
#include "suite/engine/peak_flops.h"
#include "suite/engine/precision.h"
#include "suite/engine/schedule.h"
#include "suite/engine/spike_monitor.h"
#include "suite/engine/trainer.h"
#include "suite/eval/perplexity.h"
#include "suite/model_config.h"
#include "suite/progress.h"
#include "suite/runner.h"

namespace spikebench {
namespace {

namespace fs = std::filesystem;

const std::string kDefaults = std::string(kModelKeys) + R"(
steps: 300               # parameter updates
lr: 5.0e-4               # peak learning rate (§4.2)
batch: 16                # sequences per update (global batch)
micro_batch: 0           # sequences per forward/backward; 0 = batch (else gradient accumulation)
seq_len: 128             # tokens per sequence
schedule: cosine         # cosine | inverse_sqrt | constant
warmup_fraction: 0.05    # Table 3
warmup_steps: 0          # inverse_sqrt warmup (Table 4: 4000)
min_lr_ratio: 0.1        # cosine floor as a fraction of lr (Megatron min-lr)
beta1: 0.9
beta2: 0.999             # Table 3 (13B: 0.95)
eps: 1.0e-8
weight_decay: 0.01       # on tensors with >= 2 dims (matrices, embeddings); not biases/gains
optimizer: adamw_fused   # adamw_fused (one multi-tensor kernel) | adamw (LibTorch's per-tensor loop)
clip: 1.0                # global gradient-norm clipping (the pre-clip norm is logged)
data: wikipedia_bytes    # wikipedia_bytes (byte-level proxy, vocab 256) | shards (GPT-2 BPE)
shards_dir: shards/c4    # with data: shards, a `spikebench prepare` folder (relative: data folder)
valid_shards_dir: ""     # validation blocks from this prepared folder's valid split (e.g. held-out
                         # C4, §4.1) instead of the training source's; "" = the training source
data_bytes: 4000000      # bytes of Wikipedia read for the proxy corpus
valid_fraction: 0.05
valid_every: 25          # updates between validation losses
valid_batches: 4
layers_every: 25         # updates between per-layer gradient norm / norm-input std rows
checkpoint_every: 50     # updates between checkpoints (results are flushed then too)
spike_window: 128        # trailing window W of the spike monitor
spike_k: 6.0             # spike threshold: mean + k·σ
diverge_factor: 2.0      # diverged when loss > factor × running minimum ...
diverge_patience: 20     # ... for this many consecutive updates (or at once if non-finite)
threads: 0               # intra-op threads (0 = LibTorch's default)
precision: fp32          # fp32 | bf16 | fp16 (fp16: CUDA, with dynamic loss scaling)
device: auto             # auto (the local rank's GPU in a CUDA build, else CPU) | cpu | cuda
eval_wikitext_windows: 0 # zero-shot WikiText-103 test windows after training (0 = all, -1 = skip)
eval_lambada_examples: 0 # LAMBADA examples after training (0 = all, -1 = skip)
eval_overlap: 32         # Megatron overlapping_eval: scored tokens per window after the first
)";

struct Hyper {
  int64_t steps, batch, micro, seq_len, valid_every, valid_batches, layers_every, checkpoint_every;
  double diverge_factor;
  int64_t diverge_patience;
};

/// Keeps rows with step <= last in every series group of a run (train, valid, layers, spikes/*).
void truncate_after(results::Group& g, int64_t last) {
  for (auto& [name, child] : g.groups) {
    truncate_after(*child, last);
    auto it = child->datasets.find("step");
    if (it == child->datasets.end()) continue;
    std::vector<bool> keep;
    for (double s : it->second.values) keep.push_back(static_cast<int64_t>(s) <= last);
    for (auto& [dname, ds] : child->datasets) ds.keep_rows(keep);
  }
}

/// `device: auto` is the local rank's GPU in a CUDA build that sees one, else the CPU.
torch::Device pick_device(const std::string& name, int local_rank) {
  if (name == "cpu") return torch::kCPU;
#ifdef SPIKEBENCH_CUDA
  const bool cuda = torch::cuda::is_available();
#else
  const bool cuda = false;
#endif
  if (name == "cuda" && !cuda)
    fail("train_lm: device 'cuda' but this build/machine has no CUDA device (use auto or cpu)");
  if (name != "cuda" && name != "auto")
    fail("train_lm: unknown device '", name, "' (valid: auto, cpu, cuda)");
  return cuda ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank))
              : torch::Device(torch::kCPU);
}

/// Zero-shot WikiText-103 (adjusted ppl per original word, the number Table 1 compares) and
/// LAMBADA (target ppl, strict accuracy) of the trained model, Megatron style (suite/eval).
void evaluate(RunContext& ctx, models::DecoderLM& model, int64_t seq_len, int64_t batch) {
  const auto& r = ctx.run.config;
  const int64_t windows = r["eval_wikitext_windows"].as<int64_t>();
  const int64_t examples = r["eval_lambada_examples"].as<int64_t>();
  if (windows < 0 && examples < 0) return;
  std::optional<datasets::Gpt2Tokenizer> bpe;
  eval::Tokenize tokenize = eval::byte_tokenize();
  if (model->config().vocab != 256) {
    bpe.emplace(datasets::Gpt2Tokenizer::load(ctx.data_dir / "gpt2"));
    tokenize = eval::gpt2_tokenize(*bpe);
  }
  auto& g = ctx.group;
  if (windows >= 0) {
    const auto set =
        eval::prepare_wikitext(ctx.data_dir / "wikitext" / "wiki.test.tokens", tokenize);
    const int64_t overlap = std::min(r["eval_overlap"].as<int64_t>(), seq_len);  // short proxies
    const auto w =
        eval::evaluate_wikitext(model, set, seq_len, overlap, batch, &ctx.progress, windows);
    g.dataset("eval/wikitext_ppl").append(w.ppl);
    g.dataset("eval/wikitext_adjusted_ppl").append(w.adjusted_ppl);
    g.dataset("eval/wikitext_tokens_scored").append(static_cast<double>(w.tokens_scored));
  }
  if (examples >= 0) {
    const auto set =
        eval::prepare_lambada(ctx.data_dir / "lambada" / "lambada_test.jsonl", tokenize);
    const auto l = eval::evaluate_lambada(model, set, seq_len, /*strict=*/true, &ctx.progress,
                                          examples, batch);
    g.dataset("eval/lambada_ppl").append(l.ppl);
    g.dataset("eval/lambada_acc").append(l.accuracy);
    g.dataset("eval/lambada_examples").append(static_cast<double>(l.n));
  }
}

void run(RunContext& ctx) {
  const YAML::Node& r = ctx.run.config;
  const auto precision = engine::parse_precision(r["precision"].as<std::string>());
  const auto data_kind = r["data"].as<std::string>();
  if (data_kind != "wikipedia_bytes" && data_kind != "shards")
    fail("train_lm: unknown data '", data_kind, "' (valid: wikipedia_bytes, shards)");
  if (const int t = r["threads"].as<int>(); t > 0) torch::set_num_threads(t);
  engine::Communicator* comm = ctx.comm;
  const int rank = comm ? comm->world().rank : 0;
  const torch::Device device =
      pick_device(r["device"].as<std::string>(), comm ? comm->world().local_rank : 0);
  if (precision == engine::Precision::fp16 && !device.is_cuda())
    fail("train_lm: precision fp16 needs a CUDA device (CPU runs fp32 or bf16)");
  models::ModelConfig config = model_config(r);
  if (data_kind == "wikipedia_bytes" && config.vocab != 256)
    fail("train_lm: the wikipedia_bytes corpus needs vocab 256 (size cpu or --set vocab=256)");
  if (data_kind == "shards" && config.vocab != 50257)
    fail("train_lm: GPT-2 BPE shards need vocab 50257");
  Hyper h{r["steps"].as<int64_t>(),         r["batch"].as<int64_t>(),
          r["micro_batch"].as<int64_t>(),   r["seq_len"].as<int64_t>(),
          r["valid_every"].as<int64_t>(),   r["valid_batches"].as<int64_t>(),
          r["layers_every"].as<int64_t>(),  r["checkpoint_every"].as<int64_t>(),
          r["diverge_factor"].as<double>(), r["diverge_patience"].as<int64_t>()};
  const int64_t world = comm ? comm->world().size : 1;
  if (h.batch % world != 0)
    fail("train_lm: batch ", h.batch, " is not divisible by the world size ", world);
  // micro_batch: sequences per forward on one rank. Validation blocks have micro_batch rows
  // (the global batch when 0), independent of the world size; each rank scores its share.
  const int64_t valid_rows = h.micro > 0 ? h.micro : h.batch;
  if (h.micro <= 0) h.micro = h.batch / world;
  if ((h.batch / world) % h.micro != 0)
    fail("train_lm: per-rank batch ", h.batch / world, " is not a multiple of micro_batch ",
         h.micro);
  if (h.seq_len > config.max_len)
    fail("train_lm: seq_len ", h.seq_len, " > max_len ", config.max_len);

  engine::Schedule schedule;
  schedule.kind = r["schedule"].as<std::string>();
  schedule.lr = r["lr"].as<double>();
  schedule.steps = h.steps;
  schedule.warmup =
      schedule.kind == "inverse_sqrt"
          ? r["warmup_steps"].as<int64_t>()
          : static_cast<int64_t>(std::llround(r["warmup_fraction"].as<double>() * h.steps));
  schedule.min_lr = r["min_lr_ratio"].as<double>() * schedule.lr;

  torch::manual_seed(ctx.run.seed);  // the same initial weights on every rank
  models::DecoderLM model(config);
  model->to(device);
  engine::TrainerOptions topt;
  topt.lr = schedule.lr, topt.beta1 = r["beta1"].as<double>(), topt.beta2 = r["beta2"].as<double>();
  topt.eps = r["eps"].as<double>(), topt.weight_decay = r["weight_decay"].as<double>();
  topt.clip = r["clip"].as<double>(), topt.micro_batch = h.micro, topt.precision = precision;
  const auto optimizer_name = r["optimizer"].as<std::string>();
  if (optimizer_name != "adamw_fused" && optimizer_name != "adamw")
    fail("train_lm: unknown optimizer '", optimizer_name, "' (valid: adamw_fused, adamw)");
  topt.fused_adamw = optimizer_name == "adamw_fused";
  engine::Trainer trainer(model, topt, device, comm);
  if (world > 1)  // dropout masks: an independent stream per rank
    torch::manual_seed(ctx.run.seed * 1000003ULL + static_cast<uint64_t>(rank));
  std::unique_ptr<BatchSource> source;
  if (data_kind == "shards") {
    fs::path dir = r["shards_dir"].as<std::string>();
    if (dir.is_relative()) dir = ctx.data_dir / dir;
    source = std::make_unique<ShardBatches>(dir, h.seq_len, h.batch,
                                            static_cast<uint64_t>(ctx.run.seed));
  } else {
    source = std::make_unique<ByteCorpus>(ctx.data_dir, r["data_bytes"].as<int64_t>(),
                                          r["valid_fraction"].as<double>(), h.seq_len,
                                          static_cast<uint64_t>(ctx.run.seed));
  }
  BatchSource& data = *source;
  std::unique_ptr<BatchSource> valid_source;  // held-out data from another corpus (§4.1: C4)
  if (const auto v = r["valid_shards_dir"].as<std::string>(); !v.empty()) {
    fs::path dir = v;
    if (dir.is_relative()) dir = ctx.data_dir / dir;
    valid_source = std::make_unique<ShardBatches>(dir, h.seq_len, valid_rows,
                                                  static_cast<uint64_t>(ctx.run.seed));
  }
  BatchSource& valid_data = valid_source ? *valid_source : data;
  auto& g = ctx.group;
  g.attrs["params"] = models::param_count(config);
  g.attrs["tokens_per_update"] = h.batch * h.seq_len;
  g.attrs["world_size"] = world;
  g.attrs["precision"] = r["precision"].as<std::string>();
  g.attrs["device"] = device.str();

  // ---- resume
  int64_t start = 0;
  const fs::path ckpt = ctx.checkpoint_dir;
  engine::TrainState state{*model, trainer.optimizer(), data, trainer.scaler(), device, rank};
  if (ctx.resume) {
    if (const auto at = engine::load_checkpoint(ckpt, state)) {
      start = *at;
      truncate_after(g, start - 1);
      if (rank == 0)
        std::fprintf(stderr, "  resumed %s at update %lld\n", ctx.run.name.c_str(),
                     static_cast<long long>(start));
    }
  }
  if (start == 0)
    g.groups.erase("train"), g.groups.erase("valid"), g.groups.erase("layers"),
        g.groups.erase("spikes");
  engine::SpikeMonitor loss_monitor(r["spike_window"].as<int64_t>(), r["spike_k"].as<double>());
  engine::SpikeMonitor grad_monitor(r["spike_window"].as<int64_t>(), r["spike_k"].as<double>());
  double running_min = INFINITY;
  int64_t above = 0;
  if (const auto* losses = g.find_dataset("train/loss")) {  // replay the detectors' state
    const auto* norms = g.find_dataset("train/grad_norm");
    const auto* skipped = g.find_dataset("train/skipped");
    for (int64_t i = 0; i < losses->rows(); ++i) {
      if (skipped && skipped->values[i] != 0) continue;
      const double l = losses->values[i];
      loss_monitor.push(l), grad_monitor.push(norms->values[i]);
      running_min = std::min(running_min, l);
      above = l > h.diverge_factor * running_min ? above + 1 : 0;
    }
  }
  for (const char* s : {"train/step", "valid/step", "layers/step", "spikes/loss/step",
                        "spikes/grad_norm/step", "train/tokens", "train/skipped"})
    g.dataset(s).integer = true;

  ctx.progress.begin("  " + ctx.run.name, h.steps);
  model->train();
  std::string status = "ok";
  // Throughput after warm-up: the first updates pay for allocator growth and kernel selection.
  const int64_t warmup_updates = std::min<int64_t>(5, h.steps / 10);
  double timed_seconds = 0;
  int64_t timed_updates = 0;
  for (int64_t step = start; step < h.steps; ++step) {
    const auto t0 = std::chrono::steady_clock::now();
    const double lr = schedule.at(step);
    const bool log_layers = h.layers_every > 0 && step % h.layers_every == 0;
    models::Probe probe;
    const auto st =
        trainer.step(data.train(step, h.batch), lr, log_layers ? &probe : nullptr, log_layers);
    if (log_layers) {
      g.dataset("layers/step").append(static_cast<double>(step));
      g.dataset("layers/grad_norm").append_row(st.layer_grad_norms);
      g.dataset("layers/ln_input_std").append_row(probe.ln_input_std);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (step >= warmup_updates) timed_seconds += seconds, ++timed_updates;
    g.dataset("train/step").append(static_cast<double>(step));
    g.dataset("train/tokens").append(static_cast<double>((step + 1) * h.batch * h.seq_len));
    g.dataset("train/loss").append(st.loss);
    g.dataset("train/grad_norm").append(st.grad_norm);
    g.dataset("train/lr").append(lr);
    g.dataset("train/loss_scale").append(st.loss_scale);
    g.dataset("train/skipped").append(st.overflow ? 1.0 : 0.0);
    g.dataset("train/seconds").append(seconds);
    if (!st.overflow) {  // a skipped fp16 step (Megatron counts them) is not a training signal
      for (auto [monitor, name, value] : {std::tuple{&loss_monitor, "loss", st.loss},
                                          std::tuple{&grad_monitor, "grad_norm", st.grad_norm}}) {
        const double z = monitor->push(value);
        if (monitor->is_spike(z)) {
          g.dataset(std::string("spikes/") + name + "/step").append(static_cast<double>(step));
          g.dataset(std::string("spikes/") + name + "/value").append(value);
          g.dataset(std::string("spikes/") + name + "/z").append(z);
        }
      }
      running_min = std::min(running_min, st.loss);
      above = st.loss > h.diverge_factor * running_min ? above + 1 : 0;
    }
    const bool finite = std::isfinite(st.loss) && (st.overflow || std::isfinite(st.grad_norm));
    if (!finite || above >= h.diverge_patience) {
      status = "diverged@" + std::to_string(step);
      break;
    }
    if (h.valid_every > 0 && ((step + 1) % h.valid_every == 0 || step + 1 == h.steps)) {
      const double loss = trainer.validation_loss(
          [&](int64_t i) { return valid_data.valid(i, valid_rows); }, h.valid_batches);
      g.dataset("valid/step").append(static_cast<double>(step));
      g.dataset("valid/loss").append(loss);
    }
    if (h.checkpoint_every > 0 && (step + 1) % h.checkpoint_every == 0 && step + 1 < h.steps) {
      ctx.flush();                                     // results first (rows up to step) ...
      engine::save_checkpoint(ckpt, step + 1, state);  // ... then the state to resume from
    }
    char buf[112];
    std::snprintf(buf, sizeof buf, "loss %.4f gnorm %.3f lr %.2e %.0f tok/s%s", st.loss,
                  st.grad_norm, lr, static_cast<double>(h.batch * h.seq_len) / seconds,
                  st.overflow ? " (fp16 overflow: skipped)" : "");
    ctx.progress.update(step + 1, buf);
  }
  g.attrs["status"] = status;
  if (timed_updates > 0)
    g.attrs["tokens_per_s"] =
        static_cast<double>(timed_updates * h.batch * h.seq_len) / timed_seconds;
  const double flops_per_token = models::training_flops_per_token(config, h.seq_len);
  g.attrs["model_flops_per_token"] = flops_per_token;
  if (timed_updates > 0) {
    const auto name =
        engine::device_name(device.is_cuda(), device.index() < 0 ? 0 : device.index());
    g.attrs["device_name"] = name;
    // MFU per device: each rank trains tokens_per_s / world of the tokens.
    if (const auto peak = engine::peak_flops(name, r["precision"].as<std::string>()))
      g.attrs["mfu"] = g.attr_number("tokens_per_s") * flops_per_token / world / *peak;
  }
  if (auto* scaler = trainer.scaler()) g.attrs["skipped_updates"] = scaler->skipped();
  ctx.progress.end(status);
  // A diverged run has no perplexity (the paper's N/A): NaN never reaches a table. Rank 0
  // evaluates; the others wait at the barrier.
  if (status == "ok" && rank == 0) {
    engine::AutocastScope autocast(precision, device.type());
    evaluate(ctx, model, h.seq_len, valid_rows);
  }
  if (comm) comm->barrier();
}

SPIKEBENCH_RUNNER("train_lm", "pre-train the decoder LM; log loss, grad norms, spikes, validation",
                  kDefaults.c_str(), /*needs_data=*/true, run);

}  // namespace
}  // namespace spikebench
