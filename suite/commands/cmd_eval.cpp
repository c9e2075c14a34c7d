// `spikebench eval`: Megatron-LM zero-shot evaluation (suite/eval/perplexity.h) of a model
// folder (--checkpoint: a run's, with save_model: true, or one written by `import-hf`) or of a
// freshly initialized model of a named size. Tasks: wikitext (ppl, adjusted ppl), lambada
// (accuracy, per-word and per-token ppl), text (a plain file, no detokenizer: ppl as
// transformers' labels=input_ids computes it window by window), logits (the model's logits for
// given ids, written as safetensors: what the Hugging Face round-trip test compares).
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/options.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "datasets/bpe.h"
#include "models/config.h"
#include "models/decoder.h"
#include "suite/eval/tasks.h"
#include "suite/model_io/model_folder.h"

namespace {

namespace po = spikebench::cli::po;
namespace ev = spikebench::eval;
namespace fs = std::filesystem;
using spikebench::fail;
using spikebench::split;
using json = nlohmann::json;

constexpr const char* kUsage =
    "--task wikitext|lambada|text|logits [--checkpoint CKPT | --size cpu --seed 0 --init scaled\n"
    "       --stabilizers a,b] [--data-dir DIR] [--file PATH] [--seq-len L] [--overlap 32]\n"
    "       [--batch 8] [--limit N] [--non-strict] [--tokenizer auto|gpt2|bytes] [--json]\n"
    "       [--tokens \"ID ID ...\" --out LOGITS.safetensors] [--device cpu|cuda]\n"
    "Evaluates a model folder (--checkpoint: a run's <out>/<study>-<scale>.models/<run> when the\n"
    "run had save_model: true, or `spikebench import-hf`'s output; its config, tokenizer and the\n"
    "producing run's window length, overlap and batch are the defaults) or a freshly initialized\n"
    "model, as Megatron-LM's tasks/zeroshot_gpt does: WikiText-103 test ppl and adjusted\n"
    "(per-word) ppl with overlapping windows; LAMBADA strict last-word accuracy and per-token and\n"
    "per-word perplexity. `text` scores a plain file the same way without WikiText's\n"
    "detokenizer; no <|endoftext|> is prepended, so the first id is context only (as\n"
    "transformers' loss with labels = input_ids). `logits` writes the logits of --tokens.\n"
    "--json prints one JSON object (keys: task, ppl, adjusted_ppl, accuracy, ...).";

struct Model {
  spikebench::models::DecoderLM net{nullptr};
  std::string description, tokenizer;
  int64_t seq_len = 0, overlap = 32, batch = 8;
};

/// What the model options say (none of size, seed, init, stabilizers with --checkpoint).
struct ModelOptions {
  std::string checkpoint;
  std::optional<std::string> size, init, stabilizers;
  std::optional<int64_t> seed;
};

/// The --checkpoint model; a flag that contradicts the folder is an error naming both.
Model load_checkpoint(const ModelOptions& o) {
  const std::pair<const char*, bool> given[] = {{"size", o.size.has_value()},
                                                {"seed", o.seed.has_value()},
                                                {"init", o.init.has_value()},
                                                {"stabilizers", o.stabilizers.has_value()}};
  for (const auto& [flag, set] : given)
    if (set)
      fail("spikebench eval: --", flag, " contradicts --checkpoint ", o.checkpoint,
           " (the model folder's spikebench.yaml fixes the model)");
  spikebench::ModelFolderInfo info;
  Model m;
  m.net = spikebench::load_model_folder(o.checkpoint, &info);
  m.description = o.checkpoint + " (" + (info.source.empty() ? "model folder" : info.source) + ")";
  m.tokenizer = info.tokenizer;
  m.seq_len = info.seq_len;
  m.overlap = info.eval_overlap;
  m.batch = info.eval_batch;
  return m;
}

Model fresh_model(const ModelOptions& o) {
  const std::string size = o.size.value_or("cpu"), init = o.init.value_or("scaled"),
                    stabilizers = o.stabilizers.value_or("");
  const int64_t seed = o.seed.value_or(0);
  auto config = spikebench::models::flavor(size).config;
  config.init = init;
  config.stabilizers = split(stabilizers, ',');
  config.validate();
  torch::manual_seed(uint64_t(seed));
  Model m;
  m.net = spikebench::models::DecoderLM(config);
  m.description = size + " freshly initialized (init " + init + ", stabilizers [" + stabilizers +
                  "], seed " + std::to_string(seed) + ")";
  const int64_t vocab = config.vocab;
  m.tokenizer = vocab == 256                                               ? "bytes"
                : vocab == spikebench::datasets::Gpt2Tokenizer::kVocabSize ? "gpt2"
                                                                           : "none";
  return m;
}

/// Window length, overlap and batch: the option, else the checkpoint's, else the default.
void set_windows(Model& m, int64_t seq_len, std::optional<int64_t> overlap,
                 std::optional<int64_t> batch) {
  const int64_t max_len = m.net->config().max_len;
  if (overlap) m.overlap = *overlap;
  if (batch) m.batch = *batch;
  if (seq_len > 0) m.seq_len = seq_len;
  if (m.seq_len == 0) m.seq_len = max_len;
  if (m.seq_len < 1 || m.seq_len > max_len)
    fail("spikebench eval: --seq-len ", m.seq_len, " is outside [1, ", max_len,
         "] (the model's learned positions)");
  if (m.overlap < 1) fail("spikebench eval: --overlap must be >= 1");
  if (m.batch < 1) fail("spikebench eval: --batch must be >= 1");
  m.overlap = std::min(m.overlap, m.seq_len);
}

/// --tokenizer auto = the model's; one that contradicts the vocabulary is an error.
std::string resolve_tokenizer(std::string tokenizer, const Model& m, bool needs_tokenizer) {
  if (tokenizer == "auto") tokenizer = m.tokenizer;
  if (tokenizer != "gpt2" && tokenizer != "bytes" && tokenizer != "none")
    fail("spikebench eval: --tokenizer must be auto, gpt2 or bytes (got '", tokenizer, "')");
  const int64_t vocab = m.net->config().vocab;
  const int64_t needs = tokenizer == "gpt2"    ? spikebench::datasets::Gpt2Tokenizer::kVocabSize
                        : tokenizer == "bytes" ? 256
                                               : 0;
  if (needs_tokenizer && needs != vocab)
    fail("spikebench eval: --tokenizer ", tokenizer, " contradicts the model's vocabulary of ",
         vocab, needs ? "" : " (no tokenizer for it: only --task logits)");
  return tokenizer;
}

int run_eval(const std::vector<std::string>& args) {
  po::options_description options("eval options");
  ModelOptions mo;
  ev::TaskInputs in;
  std::string task, data_dir, tokenizer, device;
  std::optional<int64_t> overlap, batch;
  bool non_strict = false, as_json = false;
  const std::string tasks =
      spikebench::join(spikebench::Registry<ev::EvalTask>::instance().names(), ", ");
  options.add_options()("task", po::value(&task)->required(), tasks.c_str())(
      "checkpoint", po::value(&mo.checkpoint), "model folder to evaluate")(
      "size", spikebench::cli::maybe(&mo.size),
      "without --checkpoint: model flavor (350m, 1.7b, 13b, gpu, cpu, tiny; default cpu)")(
      "seed", spikebench::cli::maybe(&mo.seed),
      "without --checkpoint: the init's torch seed (default 0)")(
      "init", spikebench::cli::maybe(&mo.init), "without --checkpoint: the init (default scaled)")(
      "stabilizers", spikebench::cli::maybe(&mo.stabilizers),
      "without --checkpoint: comma-separated stabilizers, e.g. scaled_embed (default none)")(
      "data-dir", po::value(&data_dir), "data folder (default: $SPIKEBENCH_DATA_DIR)")(
      "file", po::value(&in.file),
      "evaluation file (default: wikitext/wiki.test.tokens or lambada/lambada_test.jsonl)")(
      "seq-len", po::value(&in.seq_len)->default_value(0),
      "window length (0 = the checkpoint's evaluation length, else the model's max_len)")(
      "overlap", spikebench::cli::maybe(&overlap),
      "Megatron --overlapping-eval: stride and scored tokens per window after the first "
      "(default: the checkpoint's, else 32)")(
      "batch", spikebench::cli::maybe(&batch),
      "windows or examples per forward (default: the checkpoint's, else 8)")(
      "limit", po::value(&in.limit)->default_value(0), "first N windows / examples only (0 = all)")(
      "non-strict", po::bool_switch(&non_strict),
      "LAMBADA: Megatron's default (last BPE token) target")(
      "tokenizer", po::value(&tokenizer)->default_value("auto"),
      "gpt2, bytes, or auto (the checkpoint's; bytes for vocab 256, gpt2 for 50257)")(
      "tokens", po::value(&in.tokens), "logits: space-separated ids")(
      "out", po::value(&in.out), "logits: the safetensors file to write ('logits', (1, T, V) f32)")(
      "json", po::bool_switch(&as_json), "print one JSON object instead of text")(
      "device", po::value(&device)->default_value("cpu"), "cpu or cuda[:i]");
  if (!spikebench::cli::parse("eval", kUsage, options, {}, args)) return 0;
  const auto& kind = spikebench::Registry<ev::EvalTask>::instance();
  if (!kind.contains(task))
    fail("spikebench eval: --task must be one of ", tasks, " (got '", task, "')");
  const ev::EvalTask& t = kind.get(task);
  in.strict = !non_strict, in.print = !as_json;
  t.check(in);
  if (in.limit < 0) fail("spikebench eval: --limit must be >= 0");

  Model m = mo.checkpoint.empty() ? fresh_model(mo) : load_checkpoint(mo);
  set_windows(m, in.seq_len, overlap, batch);
  in.tokenizer = resolve_tokenizer(tokenizer, m, t.needs_tokenizer);
  in.seq_len = m.seq_len, in.overlap = m.overlap, in.batch = m.batch;
  if (t.needs_tokenizer && (in.tokenizer == "gpt2" || in.file.empty()))
    in.data_dir = spikebench::resolve_data_dir(data_dir);
  m.net->to(torch::Device(device));
  m.net->eval();
  in.net = m.net;

  if (in.print)
    std::printf("model: %s\ntokenizer %s, seq_len %lld\n", m.description.c_str(),
                in.tokenizer.c_str(), static_cast<long long>(m.seq_len));
  json result = t.run(in);
  result.update({{"task", task}, {"model", m.description}, {"seq_len", m.seq_len}});
  if (as_json) std::printf("%s\n", result.dump().c_str());
  return 0;
}

}  // namespace

SPIKEBENCH_COMMAND("eval", &run_eval);
