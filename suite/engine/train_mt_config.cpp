#include "suite/engine/train_mt_config.h"

#include <cmath>
#include <filesystem>

#include "datasets/wmt.h"
#include "models/init.h"
#include "models/norm.h"

namespace spikebench::engine {

namespace fs = std::filesystem;

namespace {
const char* const kMtKeys = R"(
size: cpu                # encoder-decoder flavor (models/encoder_decoder.cpp): paper, gpu, cpu, tiny
variant: preln_scaled_embed  # postln | deepnet | b2t | preln_scaled_embed (models/encdec_variants.cpp)
init: null               # null = the variant's; else a registered init (`list --components`)
decoder: cross_self      # cross_self (Peitz et al. 2019, App. D) | standard (self + cross attention)
seed: 0                  # torch RNG seed for init, dropout and batch order
norm: layernorm          # layernorm | rmsnorm
activation: relu         # F of Eq. (3): relu | gelu | gelu_tanh | identity
dropout: null            # null = the flavor's (Table 4: 0.5)
word_dropout: null       # null = the flavor's (Table 4: 0.1)
d: null                  # null = the flavor's hidden size (d_ffn = 4d when set)
n_layers: null           # null = the flavor's N = M (encoder and decoder layers)
n_heads: null            # null = the flavor's h
steps: 300               # parameter updates
lr: 1.0e-3               # peak learning rate (Table 5: 1e-3, 3e-3)
max_tokens: 7168         # tokens per batch incl. padding, max(|src|, |tgt|+1) · n (Table 4)
warmup_steps: 4000       # inverse-sqrt warmup (Table 4)
beta1: 0.9
beta2: 0.98              # Table 4
eps: 1.0e-8
weight_decay: 0.0        # Table 4
optimizer: adamw_fused   # adamw_fused | adamw (the same update) | adam_atan2 (see train_lm)
clip: 0.1                # global gradient-norm clipping (Table 4)
label_smoothing: 0.1     # ε of the label-smoothed cross entropy
train_src: wmt/train_sample/opennmt-py.train.tok.en  # Moses-tokenized (relative: data folder)
train_tgt: wmt/train_sample/opennmt-py.train.tok.de
train_lines: 0           # first lines of the training files (0 = all)
max_src_tokens: 128      # longer training pairs (either side, BPE tokens) are dropped
dev_lines: 0             # the last N pairs of the training files (after the length filter) are
                         # held out and translated: an in-domain BLEU (eval/bleu/dev) beside newstest
vocab: restricted        # restricted (GPT-2 ids of the training data + specials) | gpt2 (all)
vocab_max: 0             # restricted: keep the most frequent ids only (0 = every id in use)
test_years: [2010, 2011, 2012, 2013, 2014, 2015, 2016]  # newstest (2014: sacrebleu's wmt14, filtered)
test_lines: 0            # first lines of each test set (0 = all)
decode: beam             # beam | greedy
beam: 4                  # K
length_penalty: 0.6      # α of score / |y|^α (fairseq --lenpen)
max_len_a: 1.2           # max output tokens = a · |src| + b
max_len_b: 10
decode_batch: 64         # sentences per decoding batch
average_last: 0          # average the parameters of the last K snapshots before decoding (0 = off)
checkpoint_every: 100    # updates between checkpoints (--resume) and averaging snapshots (0 = off)
)";
// then the stability monitor's and the interventions' keys, as train_lm's
const char* const kMtRunKeys = R"(
threads: 0               # intra-op threads (0 = LibTorch's default); restored after the run
precision: fp32          # fp32 | bf16 | fp16 (Table 4: Megatron-style fp16 model, fp32 masters, loss scaling; CUDA) | fp16_autocast (AMP; CUDA)
device: auto             # auto | cpu | cuda
)";
}  // namespace

const char* train_mt_defaults() {
  static const std::string defaults =
      std::string(kMtKeys) + kStabilityKeys + intervention_keys_yaml() + kMtRunKeys;
  return defaults.c_str();
}

namespace {

/// The encoder-decoder's fields (vocab is a placeholder until the data is read).
models::EncoderDecoderConfig parse_model(const config::Reader& r) {
  const auto size = r.text("size");
  std::vector<std::string> sizes;
  for (const auto& f : models::mt_flavors()) sizes.push_back(f.name);
  if (std::find(sizes.begin(), sizes.end(), size) == sizes.end())
    r.error("size", "unknown encoder-decoder size '" + size + "' (valid: " + join(sizes, ", ") + ")");
  auto m = models::mt_flavor(size).config;
  m.variant = r.registered<models::Seq2SeqVariant>("variant", r.text("variant"));
  if (r.has("init")) m.init = r.text("init");
  m.decoder = r.choice("decoder", models::decoder_attention_names());
  m.norm = r.text("norm");
  m.activation = r.choice("activation", models::activation_names());
  if (auto v = r.maybe_real("dropout", 0, 1)) m.dropout = *v;
  if (auto v = r.maybe_real("word_dropout", 0, 1)) m.word_dropout = *v;
  if (auto v = r.maybe_integer("d", 2)) m.d = *v, m.d_ffn = 4 * *v;
  if (auto v = r.maybe_integer("n_layers", 1)) m.n_encoder_layers = m.n_decoder_layers = *v;
  if (auto v = r.maybe_integer("n_heads", 1)) m.n_heads = *v;
  if (m.d % m.n_heads != 0) r.error("n_heads", "d must be divisible by n_heads");
  r.registered<models::NormKind>("norm", m.norm);
  r.registered<models::InitKind>("init", m.init_name());
  try {
    m.validate();
  } catch (const Error& e) {
    fail(r.where(), ": ", e.what());
  }
  return m;
}

}  // namespace

TrainMtConfig TrainMtConfig::parse(const config::Reader& r) {
  TrainMtConfig c;
  c.model = parse_model(r);
  const auto& m = c.model;
  c.seed = r.integer("seed", 0);
  c.steps = r.integer("steps", 1);
  c.lr = r.real("lr", 0, 10, /*open_lo=*/true);
  c.max_tokens = r.integer("max_tokens", 8);
  c.warmup_steps = r.integer("warmup_steps", 0);
  c.beta1 = r.real("beta1", 0, 0.999999);
  c.beta2 = r.real("beta2", 0, 0.999999);
  c.eps = r.real("eps", 0, 1, /*open_lo=*/true);
  c.weight_decay = r.real("weight_decay", 0, 1);
  c.optimizer = r.choice("optimizer", optimizer_names());
  c.clip = r.real("clip", 0, INFINITY);
  c.label_smoothing = r.real("label_smoothing", 0, 0.999);
  c.train_src = r.text("train_src");
  c.train_tgt = r.text("train_tgt");
  c.train_lines = r.integer("train_lines", 0);
  c.max_src_tokens = r.integer("max_src_tokens", 1, m.max_len - 1);
  c.dev_lines = r.integer("dev_lines", 0);
  c.vocab = r.choice(
      "vocab", EnumNames<MtVocab>{{"restricted", MtVocab::restricted}, {"gpt2", MtVocab::gpt2}});
  c.vocab_max = r.integer("vocab_max", 0);
  c.test_years = r.integers("test_years");
  for (auto y : c.test_years)
    if (y < 2010 || y > 2016)
      r.error("test_years", "newstest years are 2010..2016, got " + std::to_string(y));
  c.test_lines = r.integer("test_lines", 0);
  c.decode = r.choice(
      "decode", EnumNames<DecodeKind>{{"beam", DecodeKind::beam}, {"greedy", DecodeKind::greedy}});
  c.beam = r.integer("beam", 1, 64);
  c.length_penalty = r.real("length_penalty", 0, 10);
  c.max_len_a = r.real("max_len_a", 0, 100);
  c.max_len_b = r.integer("max_len_b", 0);
  c.decode_batch = r.integer("decode_batch", 1);
  c.average_last = r.integer("average_last", 0);
  c.checkpoint_every = r.integer("checkpoint_every", 0);
  if (c.average_last > 0 && c.checkpoint_every == 0)
    r.error("average_last", "needs checkpoint_every > 0 (the snapshots it averages)");
  c.stability = parse_stability(r);
  c.interventions = InterventionChoice::parse(r);
  c.threads = static_cast<int>(r.integer("threads", 0, 1024));
  c.precision = r.choice("precision", precision_names());
  c.device = r.choice("device", device_names());
  if (uses_loss_scaler(c.precision) && c.device == DeviceChoice::cpu)
    r.error("precision", "fp16 and fp16_autocast need a CUDA device (CPU runs fp32 or bf16)");
  return c;
}

std::string TrainMtConfig::requirements(const Environment& env) const {
  if ((device == DeviceChoice::cuda || uses_loss_scaler(precision)) && !env.cuda)
    return std::string(device == DeviceChoice::cuda ? "device cuda" : "precision " + std::string(name_of(precision, precision_names()))) +
           " needs a CUDA device (none on this machine/build)";
  auto path = [&](const std::string& p) {
    return fs::path(p).is_relative() ? env.data_dir / p : fs::path(p);
  };
  std::vector<fs::path> needed = {path(train_src), path(train_tgt),
                                  env.data_dir / "gpt2" / "encoder.json"};
  for (auto y : test_years)
    for (const auto& p : datasets::wmt_newstest_files(env.data_dir, static_cast<int>(y), true))
      needed.push_back(p);
  for (const auto& p : needed)
    if (!fs::exists(p))
      fail(p.string(), ": missing from the data folder (scripts/fetch-data.sh fetches it)");
  return "";
}

models::EncoderDecoderConfig TrainMtConfig::model_for(int64_t vocab) const {
  auto m = model;
  m.vocab = vocab;
  m.validate();
  return m;
}

}  // namespace spikebench::engine
