// Runner `train_lm` (Figs. 1, 4-11, Tables 1, 2, 6 at proxy scales): pre-trains the decoder LM
// with AdamW, warmup + cosine decay and clipping, logging per update the loss, the pre-clip
// gradient norm, lr and throughput; every K updates per-layer gradient norms and norm-input
// stds; every V updates the validation loss. A spike monitor marks spikes; a non-finite or
// blown-up loss ends the run as `diverged@step` (the paper's N/A). Checkpoints make --resume
// continue bit-identically on CPU.
#include <ATen/CPUGeneratorImpl.h>
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
#include "suite/engine/schedule.h"
#include "suite/engine/spike_monitor.h"
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
clip: 1.0                # global gradient-norm clipping (the pre-clip norm is logged)
data: wikipedia_bytes    # wikipedia_bytes (byte-level proxy, vocab 256) | shards (GPT-2 BPE)
shards_dir: shards/c4    # with data: shards, a `spikebench prepare` folder (relative: data folder)
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
precision: fp32          # fp32 on CPU (fp16/bf16: CUDA builds)
eval_wikitext_windows: 0 # zero-shot WikiText-103 test windows after training (0 = all, -1 = skip)
eval_lambada_examples: 0 # LAMBADA examples after training (0 = all, -1 = skip)
eval_overlap: 32         # Megatron overlapping_eval: scored tokens per window after the first
)";

struct Hyper {
  int64_t steps, batch, micro, seq_len, valid_every, valid_batches, layers_every, checkpoint_every;
  double diverge_factor;
  int64_t diverge_patience;
};

torch::optim::AdamW make_optimizer(models::DecoderLM& model, const YAML::Node& r) {
  // Weight decay rule: tensors with >= 2 dimensions decay; biases and norm gains do not.
  std::vector<torch::Tensor> decay, no_decay;
  for (auto& p : model->parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  auto opts = [&](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(r["lr"].as<double>())
            .betas({r["beta1"].as<double>(), r["beta2"].as<double>()})
            .eps(r["eps"].as<double>())
            .weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, opts(r["weight_decay"].as<double>()));
  groups.emplace_back(no_decay, opts(0.0));
  return torch::optim::AdamW(groups, torch::optim::AdamWOptions(r["lr"].as<double>()));
}

double grad_norm_of(const std::vector<torch::Tensor>& params) {
  double sq = 0;
  for (const auto& p : params)
    if (p.grad().defined()) sq += p.grad().to(torch::kDouble).pow(2).sum().item<double>();
  return std::sqrt(sq);
}

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

void save_checkpoint(const fs::path& file, int64_t step, models::DecoderLM& model,
                     torch::optim::AdamW& optimizer, const BatchSource& data) {
  fs::create_directories(file.parent_path());
  torch::serialize::OutputArchive archive;
  model->save(archive);
  torch::serialize::OutputArchive opt;
  optimizer.save(opt);
  archive.write("optimizer", opt);
  archive.write("step", torch::tensor(step));
  const auto data_state = data.state();
  archive.write(
      "data_state",
      torch::tensor(std::vector<int64_t>(data_state.begin(), data_state.end()), torch::kInt64));
  auto gen = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    archive.write("cpu_rng", gen.get_state());
  }
  const fs::path tmp = file.string() + ".tmp";
  archive.save_to(tmp.string());
  fs::rename(tmp, file);  // atomic: a kill leaves the previous checkpoint
}

int64_t load_checkpoint(const fs::path& file, models::DecoderLM& model,
                        torch::optim::AdamW& optimizer, BatchSource& data) {
  torch::serialize::InputArchive archive;
  archive.load_from(file.string());
  model->load(archive);
  torch::serialize::InputArchive opt;
  archive.read("optimizer", opt);
  optimizer.load(opt);
  torch::Tensor step, rng;
  archive.read("step", step);
  archive.read("cpu_rng", rng);
  torch::Tensor data_state;
  archive.read("data_state", data_state);
  if (data_state.numel() > 0)
    data.restore(std::vector<int64_t>(data_state.data_ptr<int64_t>(),
                                      data_state.data_ptr<int64_t>() + data_state.numel()));
  auto gen = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(rng);
  }
  return step.item<int64_t>();
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
  if (r["precision"].as<std::string>() != "fp32")
    fail("train_lm: precision '", r["precision"].as<std::string>(),
         "' needs a CUDA build; CPU runs fp32");
  const auto data_kind = r["data"].as<std::string>();
  if (data_kind != "wikipedia_bytes" && data_kind != "shards")
    fail("train_lm: unknown data '", data_kind, "' (valid: wikipedia_bytes, shards)");
  if (const int t = r["threads"].as<int>(); t > 0) torch::set_num_threads(t);
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
  if (h.micro <= 0) h.micro = h.batch;
  if (h.batch % h.micro != 0)
    fail("train_lm: batch ", h.batch, " is not a multiple of micro_batch ", h.micro);
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

  torch::manual_seed(ctx.run.seed);
  models::DecoderLM model(config);
  auto optimizer = make_optimizer(model, r);
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
  const auto params = model->parameters();
  auto& g = ctx.group;
  g.attrs["params"] = models::param_count(config);
  g.attrs["tokens_per_update"] = h.batch * h.seq_len;

  // ---- resume
  int64_t start = 0;
  const fs::path ckpt = ctx.checkpoint_dir / "last.pt";
  if (ctx.resume && fs::exists(ckpt)) {
    start = load_checkpoint(ckpt, model, optimizer, data);
    truncate_after(g, start - 1);
    std::fprintf(stderr, "  resumed %s at update %lld\n", ctx.run.name.c_str(),
                 static_cast<long long>(start));
  } else {
    g.groups.erase("train"), g.groups.erase("valid"), g.groups.erase("layers"),
        g.groups.erase("spikes");
  }
  engine::SpikeMonitor loss_monitor(r["spike_window"].as<int64_t>(), r["spike_k"].as<double>());
  engine::SpikeMonitor grad_monitor(r["spike_window"].as<int64_t>(), r["spike_k"].as<double>());
  double running_min = INFINITY;
  int64_t above = 0;
  if (const auto* losses = g.find_dataset("train/loss")) {  // replay the detectors' state
    const auto* norms = g.find_dataset("train/grad_norm");
    for (int64_t i = 0; i < losses->rows(); ++i) {
      const double l = losses->values[i];
      loss_monitor.push(l), grad_monitor.push(norms->values[i]);
      running_min = std::min(running_min, l);
      above = l > h.diverge_factor * running_min ? above + 1 : 0;
    }
  }
  for (const char* s :
       {"train/step", "valid/step", "layers/step", "spikes/loss/step", "spikes/grad_norm/step"})
    g.dataset(s).integer = true;
  g.dataset("train/tokens").integer = true;

  auto validate = [&](int64_t step) {
    torch::NoGradGuard no_grad;
    model->eval();
    double sum = 0;
    for (int64_t i = 0; i < h.valid_batches; ++i) {
      auto b = data.valid(i, h.micro);
      sum += model->loss(b.slice(1, 0, h.seq_len), b.slice(1, 1)).cross_entropy.item<double>();
    }
    model->train();
    g.dataset("valid/step").append(static_cast<double>(step));
    g.dataset("valid/loss").append(sum / static_cast<double>(h.valid_batches));
  };

  ctx.progress.begin("  " + ctx.run.name, h.steps);
  model->train();
  std::string status = "ok";
  double tokens_per_s = 0;
  for (int64_t step = start; step < h.steps; ++step) {
    const auto t0 = std::chrono::steady_clock::now();
    const double lr = schedule.at(step);
    for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
    optimizer.zero_grad();
    const bool log_layers = h.layers_every > 0 && step % h.layers_every == 0;
    models::Probe probe;
    auto batch = data.train(step, h.batch);
    double loss_sum = 0;
    for (int64_t m = 0; m < h.batch / h.micro; ++m) {
      auto b = batch.slice(0, m * h.micro, (m + 1) * h.micro);
      auto loss = model->loss(b.slice(1, 0, h.seq_len), b.slice(1, 1),
                              log_layers && m == 0 ? &probe : nullptr);
      (loss.total / static_cast<double>(h.batch / h.micro)).backward();
      loss_sum += loss.cross_entropy.item<double>();
    }
    const double loss = loss_sum / static_cast<double>(h.batch / h.micro);
    if (log_layers) {
      std::vector<double> norms;
      for (int64_t i = 0; i < config.n_layers; ++i)
        norms.push_back(grad_norm_of(model->layer_parameters(i)));
      g.dataset("layers/step").append(static_cast<double>(step));
      g.dataset("layers/grad_norm").append_row(norms);
      g.dataset("layers/ln_input_std").append_row(probe.ln_input_std);
    }
    const double grad_norm = torch::nn::utils::clip_grad_norm_(params, r["clip"].as<double>());
    const bool finite = std::isfinite(loss) && std::isfinite(grad_norm);
    if (finite) optimizer.step();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    tokens_per_s = static_cast<double>(h.batch * h.seq_len) / seconds;
    g.dataset("train/step").append(static_cast<double>(step));
    g.dataset("train/tokens").append(static_cast<double>((step + 1) * h.batch * h.seq_len));
    g.dataset("train/loss").append(loss);
    g.dataset("train/grad_norm").append(grad_norm);
    g.dataset("train/lr").append(lr);
    g.dataset("train/loss_scale").append(1.0);
    g.dataset("train/seconds").append(seconds);
    for (auto [monitor, name, value] : {std::tuple{&loss_monitor, "loss", loss},
                                        std::tuple{&grad_monitor, "grad_norm", grad_norm}}) {
      const double z = monitor->push(value);
      if (monitor->is_spike(z)) {
        g.dataset(std::string("spikes/") + name + "/step").append(static_cast<double>(step));
        g.dataset(std::string("spikes/") + name + "/value").append(value);
        g.dataset(std::string("spikes/") + name + "/z").append(z);
      }
    }
    running_min = std::min(running_min, loss);
    above = loss > h.diverge_factor * running_min ? above + 1 : 0;
    if (!finite || above >= h.diverge_patience) {
      status = "diverged@" + std::to_string(step);
      break;
    }
    if (h.valid_every > 0 && ((step + 1) % h.valid_every == 0 || step + 1 == h.steps))
      validate(step);
    if (h.checkpoint_every > 0 && (step + 1) % h.checkpoint_every == 0 && step + 1 < h.steps) {
      ctx.flush();  // results first (rows up to step) ...
      save_checkpoint(ckpt, step + 1, model, optimizer, data);  // ... then the state to resume from
    }
    char buf[96];
    std::snprintf(buf, sizeof buf, "loss %.4f gnorm %.3f lr %.2e %.0f tok/s", loss, grad_norm, lr,
                  tokens_per_s);
    ctx.progress.update(step + 1, buf);
  }
  g.attrs["status"] = status;
  g.attrs["tokens_per_s"] = tokens_per_s;
  ctx.progress.end(status);
  // A diverged run has no perplexity (the paper's N/A): NaN never reaches a table.
  if (status == "ok") evaluate(ctx, model, h.seq_len, h.micro);
}

SPIKEBENCH_RUNNER("train_lm", "pre-train the decoder LM; log loss, grad norms, spikes, validation",
                  kDefaults.c_str(), /*needs_data=*/true, run);

}  // namespace
}  // namespace spikebench
