// The eval tasks (suite/eval/tasks.h): Megatron-LM's zero-shot WikiText-103 and LAMBADA, a plain
// text file scored the same way, and the logits of given ids.
#include "suite/eval/tasks.h"

#include <torch/torch.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

#include "core/error.h"
#include "datasets/bpe.h"
#include "suite/eval/perplexity.h"
#include "suite/model_io/safetensors.h"
#include "suite/progress.h"

namespace spikebench::eval {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

void no_check(const TaskInputs&) {}

/// The tokenizer the task's text goes through; `gpt2` keeps the loaded BPE alive.
Tokenize tokenizer_for(const TaskInputs& in, std::optional<datasets::Gpt2Tokenizer>& gpt2) {
  if (in.tokenizer != "gpt2") return byte_tokenize();
  gpt2.emplace(datasets::Gpt2Tokenizer::load(in.data_dir / "gpt2"));
  return gpt2_tokenize(*gpt2);
}

json perplexity(const TaskInputs& in, const WikiTextEval& set) {
  Progress progress(in.print);
  models::DecoderLM net = in.net;  // a handle (shares the module)
  const auto r = evaluate_wikitext(net, set, in.seq_len, in.overlap, in.batch, &progress, in.limit);
  if (in.print)
    std::printf(
        "%s: %lld tokens, %lld original words\nwindows %lld, tokens scored %lld\n"
        "total loss %.6f nats, mean loss %.6f\nppl %.4f\nadjusted ppl %.4f   (per original "
        "word; the number Table 1 compares)\n",
        set.path.c_str(), static_cast<long long>(set.num_tokens()),
        static_cast<long long>(set.num_original_tokens), static_cast<long long>(r.windows),
        static_cast<long long>(r.tokens_scored), r.total_loss, r.mean_loss, r.ppl, r.adjusted_ppl);
  return {{"file", set.path},
          {"tokens", set.num_tokens()},
          {"original_words", set.num_original_tokens},
          {"overlap", in.overlap},
          {"windows", r.windows},
          {"tokens_scored", r.tokens_scored},
          {"total_loss", r.total_loss},
          {"mean_loss", r.mean_loss},
          {"ppl", r.ppl},
          {"adjusted_ppl", r.adjusted_ppl}};
}

json wikitext(const TaskInputs& in) {
  std::optional<datasets::Gpt2Tokenizer> gpt2;
  const auto tokenize = tokenizer_for(in, gpt2);
  const fs::path path =
      in.file.empty() ? in.data_dir / "wikitext" / "wiki.test.tokens" : fs::path(in.file);
  return perplexity(in, prepare_wikitext(path, tokenize));
}

/// The text task's token stream: the whole file, tokenized as is (no detokenizer, nothing
/// prepended: the first id is context only, as transformers' loss with labels = input_ids).
json text(const TaskInputs& in) {
  std::optional<datasets::Gpt2Tokenizer> gpt2;
  const auto tokenize = tokenizer_for(in, gpt2);
  std::ifstream file(in.file, std::ios::binary);
  if (!file) fail(in.file, ": cannot open");
  const std::string raw((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  WikiTextEval set;
  set.path = in.file;
  set.tokens = tokenize(raw);
  std::istringstream words(raw);
  for (std::string w; words >> w;) ++set.num_original_tokens;
  if (set.tokens.size() < 2) fail(in.file, ": fewer than two tokens: nothing to score");
  return perplexity(in, set);
}

void text_check(const TaskInputs& in) {
  if (in.file.empty()) fail("spikebench eval: --task text needs --file");
}

json lambada(const TaskInputs& in) {
  std::optional<datasets::Gpt2Tokenizer> gpt2;
  const auto tokenize = tokenizer_for(in, gpt2);
  const fs::path path =
      in.file.empty() ? in.data_dir / "lambada" / "lambada_test.jsonl" : fs::path(in.file);
  const auto set = prepare_lambada(path, tokenize);
  Progress progress(in.print);
  models::DecoderLM net = in.net;
  const auto r = evaluate_lambada(net, set, in.seq_len, in.strict, &progress, in.limit, in.batch);
  if (in.print)
    std::printf(
        "lambada (%s): %lld examples, %lld target tokens, %lld truncated\n"
        "accuracy %.4f (%lld correct)\nppl %.4f (per target token)\nword ppl %.4f (per last "
        "word)\n",
        in.strict ? "strict" : "default", static_cast<long long>(r.n),
        static_cast<long long>(r.target_tokens), static_cast<long long>(r.truncated), r.accuracy,
        static_cast<long long>(r.correct), r.ppl, r.word_ppl);
  return {{"file", set.path},        {"strict", in.strict},
          {"examples", r.n},         {"correct", r.correct},
          {"accuracy", r.accuracy},  {"ppl", r.ppl},
          {"word_ppl", r.word_ppl},  {"target_tokens", r.target_tokens},
          {"truncated", r.truncated}};
}

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

/// The logits of --tokens, written as safetensors: what the Hugging Face round-trip compares.
json logits(const TaskInputs& in) {
  const auto& config = in.net->config();
  const auto ids = parse_ids(in.tokens, config.vocab);
  if (static_cast<int64_t>(ids.size()) > config.max_len)
    fail("spikebench eval: --tokens: ", ids.size(), " ids exceed max_len ", config.max_len);
  torch::NoGradGuard no_grad;
  models::DecoderLM net = in.net;  // a handle: forward is not const
  const auto device = net->parameters().front().device();
  auto out = net->forward(torch::tensor(ids).view({1, -1}).to(device));
  safetensors::write(in.out, {{"logits", out.to(torch::kFloat).cpu()}}, {{"format", "pt"}});
  if (in.print)
    std::printf("logits (1, %zu, %lld) → %s\n", ids.size(), static_cast<long long>(config.vocab),
                in.out.c_str());
  return {{"out", in.out}, {"tokens", ids.size()}};
}

void logits_check(const TaskInputs& in) {
  if (in.tokens.empty() || in.out.empty())
    fail("spikebench eval: --task logits needs --tokens and --out");
}

}  // namespace

SPIKEBENCH_EVAL_TASK("wikitext", "WikiText-103 test ppl and adjusted (per-word) ppl", &no_check,
                     &wikitext);
SPIKEBENCH_EVAL_TASK("lambada", "LAMBADA last-word accuracy, per-token and per-word ppl", &no_check,
                     &lambada);
SPIKEBENCH_EVAL_TASK("text", "ppl of a plain --file, tokenized as is", &text_check, &text);
SPIKEBENCH_EVAL_TASK("logits", "the logits of --tokens, written to --out", &logits_check, &logits,
                     /*needs_tokenizer=*/false);

}  // namespace spikebench::eval
