// `spikebench eval`: Megatron-LM zero-shot evaluation (suite/eval/perplexity.h) of a model
// folder (--checkpoint: a run's, with save_model: true, or one written by `import-hf`) or of a
// freshly initialized model of a named size. Tasks: wikitext (ppl, adjusted ppl), lambada
// (accuracy, per-word and per-token ppl), text (a plain file, no detokenizer: ppl as
// transformers' labels=input_ids computes it window by window), logits (the model's logits for
// given ids, written as safetensors: what the Hugging Face round-trip test compares).
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/data_dir.h"
#include "core/error.h"
#include "datasets/bpe.h"
#include "models/config.h"
#include "models/decoder.h"
#include "suite/model_io/model_folder.h"
#include "suite/model_io/safetensors.h"
#include "cli/command.h"
#include "cli/options.h"
#include "suite/eval/perplexity.h"
#include "suite/progress.h"

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

std::vector<int64_t> parse_ids(const std::string& text, int64_t vocab) {
  std::vector<int64_t> ids;
  std::istringstream in(text);
  for (std::string word; in >> word;) {
    char* end = nullptr;
    const long long v = std::strtoll(word.c_str(), &end, 10);
    if (*end || end == word.c_str()) fail("spikebench eval: --tokens: '", word, "' is not an id");
    if (v < 0 || v >= vocab)
      fail("spikebench eval: --tokens: id ", v, " is outside the vocabulary [0, ", vocab, ")");
    ids.push_back(v);
  }
  if (ids.empty()) fail("spikebench eval: --tokens: no ids");
  return ids;
}

/// The text task's token stream: the whole file, tokenized as is.
ev::WikiTextEval prepare_text(const fs::path& path, const ev::Tokenize& tokenize) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path.string(), ": cannot open");
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ev::WikiTextEval set;
  set.path = path.string();
  set.tokens = tokenize(raw);
  std::istringstream words(raw);
  for (std::string w; words >> w;) ++set.num_original_tokens;
  if (set.tokens.size() < 2) fail(path.string(), ": fewer than two tokens: nothing to score");
  return set;
}

struct Model {
  spikebench::models::DecoderLM net{nullptr};
  std::string description, tokenizer;
  int64_t seq_len = 0, overlap = 32, batch = 8;
};

/// The --checkpoint model; a flag that contradicts the folder is an error naming both.
Model load_checkpoint(const std::string& ckpt, const po::variables_map& vm) {
  for (const char* flag : {"size", "seed", "init", "stabilizers"})
    if (vm.count(flag) && !vm[flag].defaulted())
      fail("spikebench eval: --", flag, " contradicts --checkpoint ", ckpt,
           " (the model folder's spikebench.yaml fixes the model)");
  spikebench::ModelFolderInfo info;
  Model m;
  m.net = spikebench::load_model_folder(ckpt, &info);
  m.description = ckpt + " (" + (info.source.empty() ? "model folder" : info.source) + ")";
  m.tokenizer = info.tokenizer;
  m.seq_len = info.seq_len;
  m.overlap = info.eval_overlap;
  m.batch = info.eval_batch;
  return m;
}

Model fresh_model(const std::string& size, int64_t seed, const std::string& init,
                  const std::string& stabilizers) {
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

int run_eval(const std::vector<std::string>& args) {
  po::options_description options("eval options");
  std::string task, size, init, stabilizers, data_dir, file, tokenizer, device, checkpoint, tokens,
      out;
  int64_t seed = 0, seq_len = 0, limit = 0;
  options.add_options()("task", po::value(&task)->required(), "wikitext, lambada, text or logits")(
      "checkpoint", po::value(&checkpoint), "model folder to evaluate")(
      "size", po::value(&size)->default_value("cpu"),
      "without --checkpoint: model flavor (350m, 1.7b, 13b, gpu, cpu, tiny)")(
      "seed", po::value(&seed)->default_value(0), "without --checkpoint: the init's torch seed")(
      "init", po::value(&init)->default_value("scaled"), "without --checkpoint: the init")(
      "stabilizers", po::value(&stabilizers)->default_value(""),
      "without --checkpoint: comma-separated stabilizers, e.g. scaled_embed")(
      "data-dir", po::value(&data_dir), "data folder (default: $SPIKEBENCH_DATA_DIR)")(
      "file", po::value(&file),
      "evaluation file (default: wikitext/wiki.test.tokens or lambada/lambada_test.jsonl)")(
      "seq-len", po::value(&seq_len)->default_value(0),
      "window length (0 = the checkpoint's evaluation length, else the model's max_len)")(
      "overlap", po::value<int64_t>(),
      "Megatron --overlapping-eval: stride and scored tokens per window after the first "
      "(default: the checkpoint's, else 32)")(
      "batch", po::value<int64_t>(),
      "windows or examples per forward (default: the checkpoint's, else 8)")(
      "limit", po::value(&limit)->default_value(0), "first N windows / examples only (0 = all)")(
      "non-strict", po::bool_switch(), "LAMBADA: Megatron's default (last BPE token) target")(
      "tokenizer", po::value(&tokenizer)->default_value("auto"),
      "gpt2, bytes, or auto (the checkpoint's; bytes for vocab 256, gpt2 for 50257)")(
      "tokens", po::value(&tokens), "logits: space-separated ids")(
      "out", po::value(&out), "logits: the safetensors file to write ('logits', (1, T, V) f32)")(
      "json", po::bool_switch(), "print one JSON object instead of text")(
      "device", po::value(&device)->default_value("cpu"), "cpu or cuda[:i]");
  const auto vm = spikebench::cli::parse("eval", kUsage, options, {}, args);
  if (!vm) return 0;
  if (task != "wikitext" && task != "lambada" && task != "text" && task != "logits")
    fail("spikebench eval: --task must be wikitext, lambada, text or logits (got '", task, "')");
  if (task == "logits" && (tokens.empty() || out.empty()))
    fail("spikebench eval: --task logits needs --tokens and --out");
  if (task == "text" && file.empty()) fail("spikebench eval: --task text needs --file");
  if (limit < 0) fail("spikebench eval: --limit must be >= 0");

  Model m = checkpoint.empty() ? fresh_model(size, seed, init, stabilizers)
                               : load_checkpoint(checkpoint, *vm);
  const auto& config = m.net->config();
  if (vm->count("overlap")) m.overlap = (*vm)["overlap"].as<int64_t>();
  if (vm->count("batch")) m.batch = (*vm)["batch"].as<int64_t>();
  if (seq_len > 0) m.seq_len = seq_len;
  if (m.seq_len == 0) m.seq_len = config.max_len;
  if (m.seq_len < 1 || m.seq_len > config.max_len)
    fail("spikebench eval: --seq-len ", m.seq_len, " is outside [1, ", config.max_len,
         "] (the model's learned positions)");
  if (m.overlap < 1) fail("spikebench eval: --overlap must be >= 1");
  if (m.batch < 1) fail("spikebench eval: --batch must be >= 1");
  m.overlap = std::min(m.overlap, m.seq_len);
  if (tokenizer == "auto") tokenizer = m.tokenizer;
  if (tokenizer != "gpt2" && tokenizer != "bytes" && tokenizer != "none")
    fail("spikebench eval: --tokenizer must be auto, gpt2 or bytes (got '", tokenizer, "')");
  const int64_t needs = tokenizer == "gpt2"    ? spikebench::datasets::Gpt2Tokenizer::kVocabSize
                        : tokenizer == "bytes" ? 256
                                               : 0;
  if (task != "logits" && needs != config.vocab)
    fail("spikebench eval: --tokenizer ", tokenizer, " contradicts the model's vocabulary of ",
         config.vocab, needs ? "" : " (no tokenizer for it: only --task logits)");
  m.net->to(torch::Device(device));
  m.net->eval();

  json result = {{"task", task}, {"model", m.description}, {"seq_len", m.seq_len}};
  const bool as_json = (*vm)["json"].as<bool>();
  if (!as_json)
    std::printf("model: %s\ntokenizer %s, seq_len %lld\n", m.description.c_str(), tokenizer.c_str(),
                static_cast<long long>(m.seq_len));
  if (task == "logits") {
    const auto ids = parse_ids(tokens, config.vocab);
    if (static_cast<int64_t>(ids.size()) > config.max_len)
      fail("spikebench eval: --tokens: ", ids.size(), " ids exceed max_len ", config.max_len);
    torch::NoGradGuard no_grad;
    auto logits = m.net->forward(torch::tensor(ids).view({1, -1}).to(torch::Device(device)));
    spikebench::safetensors::write(out, {{"logits", logits.to(torch::kFloat).cpu()}},
                                   {{"format", "pt"}});
    result["out"] = out;
    result["tokens"] = ids.size();
    if (!as_json)
      std::printf("logits (1, %zu, %lld) → %s\n", ids.size(), static_cast<long long>(config.vocab),
                  out.c_str());
  } else {
    const auto dir =
        (tokenizer == "gpt2" || file.empty()) ? spikebench::resolve_data_dir(data_dir) : fs::path();
    std::optional<spikebench::datasets::Gpt2Tokenizer> gpt2;
    ev::Tokenize tokenize = ev::byte_tokenize();
    if (tokenizer == "gpt2") {
      gpt2.emplace(spikebench::datasets::Gpt2Tokenizer::load(dir / "gpt2"));
      tokenize = ev::gpt2_tokenize(*gpt2);
    }
    spikebench::Progress progress(!as_json);
    if (task == "wikitext" || task == "text") {
      const auto set =
          task == "text" ? prepare_text(file, tokenize)
                         : ev::prepare_wikitext(file.empty() ? dir / "wikitext" / "wiki.test.tokens"
                                                             : fs::path(file),
                                                tokenize);
      const auto r =
          ev::evaluate_wikitext(m.net, set, m.seq_len, m.overlap, m.batch, &progress, limit);
      result.update({{"file", set.path},
                     {"tokens", set.num_tokens()},
                     {"original_words", set.num_original_tokens},
                     {"overlap", m.overlap},
                     {"windows", r.windows},
                     {"tokens_scored", r.tokens_scored},
                     {"total_loss", r.total_loss},
                     {"mean_loss", r.mean_loss},
                     {"ppl", r.ppl},
                     {"adjusted_ppl", r.adjusted_ppl}});
      if (!as_json)
        std::printf(
            "%s: %lld tokens, %lld original words\nwindows %lld, tokens scored %lld\n"
            "total loss %.6f nats, mean loss %.6f\nppl %.4f\nadjusted ppl %.4f   (per original "
            "word; the number Table 1 compares)\n",
            set.path.c_str(), static_cast<long long>(set.num_tokens()),
            static_cast<long long>(set.num_original_tokens), static_cast<long long>(r.windows),
            static_cast<long long>(r.tokens_scored), r.total_loss, r.mean_loss, r.ppl,
            r.adjusted_ppl);
    } else {
      const bool strict = !(*vm)["non-strict"].as<bool>();
      const auto path = file.empty() ? dir / "lambada" / "lambada_test.jsonl" : fs::path(file);
      const auto set = ev::prepare_lambada(path, tokenize);
      const auto r = ev::evaluate_lambada(m.net, set, m.seq_len, strict, &progress, limit, m.batch);
      result.update({{"file", set.path},
                     {"strict", strict},
                     {"examples", r.n},
                     {"correct", r.correct},
                     {"accuracy", r.accuracy},
                     {"ppl", r.ppl},
                     {"word_ppl", r.word_ppl},
                     {"target_tokens", r.target_tokens},
                     {"truncated", r.truncated}});
      if (!as_json)
        std::printf(
            "lambada (%s): %lld examples, %lld target tokens, %lld truncated\n"
            "accuracy %.4f (%lld correct)\nppl %.4f (per target token)\nword ppl %.4f (per last "
            "word)\n",
            strict ? "strict" : "default", static_cast<long long>(r.n),
            static_cast<long long>(r.target_tokens), static_cast<long long>(r.truncated),
            r.accuracy, static_cast<long long>(r.correct), r.ppl, r.word_ppl);
    }
  }
  if (as_json) std::printf("%s\n", result.dump().c_str());
  return 0;
}

}  // namespace

SPIKEBENCH_COMMAND("eval", &run_eval);
