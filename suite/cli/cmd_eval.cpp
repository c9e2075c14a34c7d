// `spikebench eval --task wikitext|lambada`: Megatron-LM zero-shot evaluation
// (suite/eval/perplexity.h) of a freshly initialized model of a named size. Loading a trained
// checkpoint is not wired yet (it comes with the engine's checkpoints).
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/data_dir.h"
#include "core/error.h"
#include "datasets/bpe.h"
#include "models/config.h"
#include "models/decoder.h"
#include "suite/cli/command.h"
#include "suite/cli/options.h"
#include "suite/eval/perplexity.h"
#include "suite/progress.h"

namespace {

namespace po = spikebench::cli::po;
namespace ev = spikebench::eval;

constexpr const char* kUsage =
    "--task wikitext|lambada [--size cpu] [--seed 0] [--init scaled] [--stabilizers a,b]\n"
    "       [--data-dir DIR] [--file PATH] [--seq-len L] [--overlap 32] [--batch 8] [--limit N]\n"
    "       [--non-strict] [--tokenizer auto|gpt2|bytes] [--device cpu|cuda]\n"
    "Evaluates a freshly initialized model (checkpoint loading is not available yet) as\n"
    "Megatron-LM's tasks/zeroshot_gpt does: WikiText-103 test ppl and adjusted (per-word) ppl "
    "with\n"
    "overlapping windows; LAMBADA strict last-word accuracy and target-token perplexity.";

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

int run_eval(const std::vector<std::string>& args) {
  po::options_description options("eval options");
  std::string task, size, init, stabilizers, data_dir, file, tokenizer, device;
  int64_t seed = 0, seq_len = 0, overlap = 32, batch = 8, limit = 0;
  options.add_options()("task", po::value(&task)->required(), "wikitext or lambada")(
      "size", po::value(&size)->default_value("cpu"),
      "model flavor: 350m, 1.7b, 13b, gpu, cpu, tiny")("seed", po::value(&seed)->default_value(0),
                                                       "torch seed for the initialization")(
      "init", po::value(&init)->default_value("scaled"), "plain | scaled | wang")(
      "stabilizers", po::value(&stabilizers)->default_value(""),
      "comma-separated stabilizers, e.g. scaled_embed")(
      "data-dir", po::value(&data_dir), "data folder (default: $SPIKEBENCH_DATA_DIR)")(
      "file", po::value(&file),
      "evaluation file (default: wikitext/wiki.test.tokens or lambada/lambada_test.jsonl)")(
      "seq-len", po::value(&seq_len)->default_value(0), "window length (0 = the model's max_len)")(
      "overlap", po::value(&overlap)->default_value(32),
      "Megatron --overlapping-eval: stride and scored tokens per window after the first")(
      "batch", po::value(&batch)->default_value(8), "windows or examples per forward")(
      "limit", po::value(&limit)->default_value(0), "first N windows / examples only (0 = all)")(
      "non-strict", po::bool_switch(), "LAMBADA: Megatron's default (last BPE token) target")(
      "tokenizer", po::value(&tokenizer)->default_value("auto"),
      "gpt2, bytes, or auto (bytes for vocab 256, gpt2 for 50257)")(
      "device", po::value(&device)->default_value("cpu"), "cpu or cuda[:i]");
  const auto vm = spikebench::cli::parse("eval", kUsage, options, {}, args);
  if (!vm) return 0;
  if (task != "wikitext" && task != "lambada")
    spikebench::fail("spikebench eval: --task must be wikitext or lambada (got '", task, "')");

  spikebench::models::ModelConfig config = spikebench::models::flavor(size).config;
  config.init = init;
  config.stabilizers = split_commas(stabilizers);
  config.validate();
  if (seq_len == 0) seq_len = config.max_len;
  if (tokenizer == "auto") {
    if (config.vocab == 256)
      tokenizer = "bytes";
    else if (config.vocab == spikebench::datasets::Gpt2Tokenizer::kVocabSize)
      tokenizer = "gpt2";
    else
      spikebench::fail("spikebench eval: no tokenizer for vocab ", config.vocab,
                       "; pass --tokenizer");
  }
  if (tokenizer != "gpt2" && tokenizer != "bytes")
    spikebench::fail("spikebench eval: --tokenizer must be auto, gpt2 or bytes");

  const auto dir = spikebench::resolve_data_dir(data_dir);
  std::optional<spikebench::datasets::Gpt2Tokenizer> gpt2;
  ev::Tokenize tokenize = ev::byte_tokenize();
  if (tokenizer == "gpt2") {
    gpt2.emplace(spikebench::datasets::Gpt2Tokenizer::load(dir / "gpt2"));
    tokenize = ev::gpt2_tokenize(*gpt2);
  }

  torch::manual_seed(uint64_t(seed));
  spikebench::models::DecoderLM model(config);
  model->to(torch::Device(device));
  spikebench::Progress progress;
  std::printf("model: %s (init %s, stabilizers [%s], seed %lld, %s), tokenizer %s, seq_len %lld\n",
              size.c_str(), init.c_str(), stabilizers.c_str(), static_cast<long long>(seed),
              "freshly initialized", tokenizer.c_str(), static_cast<long long>(seq_len));
  if (task == "wikitext") {
    const auto path =
        file.empty() ? dir / "wikitext" / "wiki.test.tokens" : std::filesystem::path(file);
    const auto set = ev::prepare_wikitext(path, tokenize);
    std::printf("wikitext: %s: %lld tokens, %lld original words (Megatron count)\n",
                set.path.c_str(), static_cast<long long>(set.num_tokens()),
                static_cast<long long>(set.num_original_tokens));
    const auto r = ev::evaluate_wikitext(model, set, seq_len, overlap, batch, &progress, limit);
    std::printf(
        "windows %lld, tokens scored %lld\ntotal loss %.6f nats, mean loss %.6f\n"
        "ppl %.4f\nadjusted ppl %.4f   (per original word; the number Table 1 compares)\n",
        static_cast<long long>(r.windows), static_cast<long long>(r.tokens_scored), r.total_loss,
        r.mean_loss, r.ppl, r.adjusted_ppl);
  } else {
    const bool strict = !(*vm)["non-strict"].as<bool>();
    const auto path =
        file.empty() ? dir / "lambada" / "lambada_test.jsonl" : std::filesystem::path(file);
    const auto set = ev::prepare_lambada(path, tokenize);
    const auto r = ev::evaluate_lambada(model, set, seq_len, strict, &progress, limit, batch);
    std::printf(
        "lambada (%s): %lld examples, %lld target tokens, %lld truncated\n"
        "accuracy %.4f (%lld correct)\nppl %.4f (per target token)\nword ppl %.4f (per last "
        "word)\n",
        strict ? "strict" : "default", static_cast<long long>(r.n),
        static_cast<long long>(r.target_tokens), static_cast<long long>(r.truncated), r.accuracy,
        static_cast<long long>(r.correct), r.ppl, r.word_ppl);
  }
  return 0;
}

}  // namespace

SPIKEBENCH_COMMAND("eval", &run_eval);
