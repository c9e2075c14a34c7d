#include "suite/engine/train_lm_config.h"

#include <cmath>
#include <filesystem>

#include "suite/model_config.h"

namespace spikebench::engine {

namespace fs = std::filesystem;

const EnumNames<DataKind>& data_names() {
  static const EnumNames<DataKind> n = {{"wikipedia_bytes", DataKind::wikipedia_bytes},
                                        {"shards", DataKind::shards}};
  return n;
}
const EnumNames<DeviceChoice>& device_names() {
  static const EnumNames<DeviceChoice> n = {
      {"auto", DeviceChoice::automatic}, {"cpu", DeviceChoice::cpu}, {"cuda", DeviceChoice::cuda}};
  return n;
}
const EnumNames<OptimizerKind>& optimizer_names() {
  static const EnumNames<OptimizerKind> n = {{"adamw_fused", OptimizerKind::adamw_fused},
                                             {"adamw", OptimizerKind::adamw},
                                             {"adam_atan2", OptimizerKind::adam_atan2}};
  return n;
}

namespace {
const char* const kTrainKeys = R"(
steps: 300               # parameter updates
lr: 5.0e-4               # peak learning rate (§4.2)
batch: 16                # sequences per update (global batch)
micro_batch: 0           # sequences per forward/backward; 0 = batch (else gradient accumulation)
seq_len: 128             # tokens per sequence
schedule: cosine         # cosine | inverse_sqrt | constant
warmup_fraction: 0.05    # Table 3
warmup_steps: 0          # inverse_sqrt warmup (Table 4: 4000)
min_lr_ratio: 0.1        # cosine floor as a fraction of lr (a choice: the paper gives none; Megatron's default --min-lr is 0)
beta1: 0.9
beta2: 0.999             # Table 3 (13B: 0.95)
eps: 1.0e-8
weight_decay: 0.01       # on tensors with >= 2 dims (matrices, embeddings); not biases/gains
decay_embeddings: true   # weight decay on the token and position embeddings too (OLMo 2: false)
optimizer: adamw_fused   # adamw_fused (one multi-tensor kernel) | adamw (LibTorch's per-tensor loop) | adam_atan2 (Everett et al. 2024: no eps)
clip: 1.0                # global gradient-norm clipping (the pre-clip norm is logged); 0 = off
data: wikipedia_bytes    # wikipedia_bytes (byte-level proxy, vocab 256) | shards (GPT-2 BPE)
shards_dir: shards/c4    # with data: shards, a `spikebench prepare` folder (relative: data folder)
valid_shards_dir: ""     # validation blocks from this prepared folder's valid split (e.g. held-out
                         # C4, §4.1) instead of the training source's; "" = the training source
data_bytes: 4000000      # bytes of Wikipedia read for the proxy corpus
valid_fraction: 0.05
valid_every: 25          # updates between validation losses (0 = only at the end)
valid_batches: 4
layers_every: 25         # updates between per-layer gradient norm / norm-input std rows (0 = off)
checkpoint_every: 50     # updates between checkpoints (results are flushed then too; 0 = off)
)";
// then the stability monitor's and the interventions' keys
const char* const kRunKeys = R"(
threads: 0               # intra-op threads (0 = LibTorch's default); restored after the run
precision: fp32          # fp32 | bf16 | fp16 (the paper's: Megatron-style fp16 model, fp32 masters, loss scaling; CUDA) | fp16_autocast (AMP; CUDA)
device: auto             # auto (the local rank's GPU in a CUDA build, else CPU) | cpu | cuda
eval_wikitext_windows: 0 # zero-shot WikiText-103 test windows after training (0 = all, -1 = skip)
eval_lambada_examples: 0 # LAMBADA examples after training (0 = all, -1 = skip)
eval_overlap: 32         # Megatron overlapping_eval: scored tokens per window after the first
save_model: false        # keep the trained model as <out>/<study>-<scale>.models/<run>/ (config +
                         # model.safetensors) for `spikebench eval --checkpoint` and `export-hf`
)";
}  // namespace

const char* train_lm_defaults() {
  static const std::string defaults = model_keys_yaml() + kTrainKeys + kStabilityKeys +
                                      intervention_keys_yaml() + kRunKeys + kInjectionKeys;
  return defaults.c_str();
}

TrainLmConfig TrainLmConfig::parse(const config::Reader& r) {
  TrainLmConfig c;
  c.size = r.text("size");
  c.model = model_config(r);
  c.seed = r.integer("seed", 0);
  c.steps = r.integer("steps", 1);
  c.batch = r.integer("batch", 1);
  c.micro_batch = r.integer("micro_batch", 0);
  if (c.micro_batch > 0 && c.batch % c.micro_batch != 0)
    r.error("micro_batch", "batch " + std::to_string(c.batch) + " is not a multiple of " +
                               std::to_string(c.micro_batch));
  c.seq_len = r.integer("seq_len", 1, c.model.max_len);
  c.schedule.kind = r.choice("schedule", schedule_names());
  c.schedule.lr = r.real("lr", 0, 10, /*open_lo=*/true);
  c.schedule.steps = c.steps;
  const double warmup_fraction = r.real("warmup_fraction", 0, 1);
  const int64_t warmup_steps = r.integer("warmup_steps", 0);
  c.schedule.warmup = c.schedule.kind == ScheduleKind::inverse_sqrt
                          ? warmup_steps
                          : static_cast<int64_t>(std::llround(warmup_fraction * c.steps));
  c.schedule.min_lr = r.real("min_lr_ratio", 0, 1) * c.schedule.lr;
  c.beta1 = r.real("beta1", 0, 1);
  c.beta2 = r.real("beta2", 0, 1);
  if (c.beta1 >= 1) r.error("beta1", "expected a number in [0, 1)");
  if (c.beta2 >= 1) r.error("beta2", "expected a number in [0, 1)");
  c.eps = r.real("eps", 0, 1, /*open_lo=*/true);
  c.weight_decay = r.real("weight_decay", 0, 1);
  c.decay_embeddings = r.flag("decay_embeddings");
  c.optimizer = r.choice("optimizer", optimizer_names());
  c.clip = r.real("clip", 0, INFINITY);
  c.data = r.choice("data", data_names());
  c.shards_dir = r.has("shards_dir") ? r.text("shards_dir") : "";
  c.valid_shards_dir = r.has("valid_shards_dir") ? r.text("valid_shards_dir") : "";
  c.data_bytes = r.integer("data_bytes", 1);
  c.valid_fraction = r.real("valid_fraction", 0, 0.5, /*open_lo=*/true);
  if (c.data == DataKind::wikipedia_bytes && c.model.vocab != 256)
    r.error("data", "wikipedia_bytes is byte-level: it needs vocab 256 (size cpu or vocab: 256)");
  if (c.data == DataKind::shards && c.model.vocab != 50257)
    r.error("data", "GPT-2 BPE shards need vocab 50257");
  if (c.data != DataKind::shards && !c.valid_shards_dir.empty())
    r.error("valid_shards_dir", "held-out shards are GPT-2 BPE: they need data: shards");
  if (c.data == DataKind::shards && c.shards_dir.empty())
    r.error("shards_dir", "data: shards needs a shards folder");
  if (c.data == DataKind::wikipedia_bytes &&
      c.data_bytes * c.valid_fraction < static_cast<double>(c.seq_len + 1))
    r.error("data_bytes", "too few bytes for a validation block of seq_len + 1");
  c.valid_every = r.integer("valid_every", 0);
  c.valid_batches = r.integer("valid_batches", 1);
  c.layers_every = r.integer("layers_every", 0);
  c.checkpoint_every = r.integer("checkpoint_every", 0);
  c.stability = parse_stability(r);
  c.interventions = InterventionChoice::parse(r);
  c.threads = static_cast<int>(r.integer("threads", 0, 1024));
  c.precision = r.choice("precision", precision_names());
  c.device = r.choice("device", device_names());
  if (uses_loss_scaler(c.precision) && c.device == DeviceChoice::cpu)
    r.error("precision", "fp16 and fp16_autocast need a CUDA device (CPU runs fp32 or bf16)");
  c.eval_wikitext_windows = r.integer("eval_wikitext_windows", -1);
  c.eval_lambada_examples = r.integer("eval_lambada_examples", -1);
  c.eval_overlap = r.integer("eval_overlap", 1);
  c.save_model = r.flag("save_model");
  c.injections = Injections::parse(r, c.steps, c.seq_len);
  return c;
}

std::string TrainLmConfig::requirements(const Environment& env) const {
  const bool wants_cuda = device == DeviceChoice::cuda || uses_loss_scaler(precision);
  if (wants_cuda && !env.cuda)
    return std::string(device == DeviceChoice::cuda ? "device cuda" : "precision " + std::string(name_of(precision, precision_names()))) +
           " needs a CUDA device (none on this machine/build)";
  auto data_path = [&](const std::string& p) {
    return fs::path(p).is_relative() ? env.data_dir / p : fs::path(p);
  };
  if (data == DataKind::shards)
    for (const auto& dir : {shards_dir, valid_shards_dir}) {
      if (dir.empty()) continue;
      if (!fs::exists(data_path(dir) / "shards.json"))
        return "needs GPT-2 BPE shards in " + data_path(dir).string() +
               " (make them with `spikebench prepare CORPUS --out " + data_path(dir).string() +
               "`, see `spikebench prepare --help`)";
    }
  // Inputs that every machine needs are errors, caught before anything runs.
  std::vector<fs::path> needed;
  if (data == DataKind::wikipedia_bytes)
    needed.push_back(env.data_dir / "corpora" / "enwiki-2015-wikiextractor" /
                     "enwiki-2015.wikiextractor.AA.txt.gz");
  if (eval_wikitext_windows >= 0) needed.push_back(env.data_dir / "wikitext" / "wiki.test.tokens");
  if (eval_lambada_examples >= 0) needed.push_back(env.data_dir / "lambada" / "lambada_test.jsonl");
  if (model.vocab != 256 && (eval_wikitext_windows >= 0 || eval_lambada_examples >= 0))
    needed.push_back(env.data_dir / "gpt2" / "encoder.json");
  for (const auto& p : needed)
    if (!fs::exists(p))
      fail(p.string(), ": missing from the data folder (scripts/fetch-data.sh fetches it)");
  return "";
}

Cost TrainLmConfig::cost() const {
  const double tokens = static_cast<double>(steps * tokens_per_update());
  return {tokens, tokens * models::training_flops_per_token(model, seq_len), true, threads};
}

}  // namespace spikebench::engine
