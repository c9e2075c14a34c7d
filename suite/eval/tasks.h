#pragma once
// `spikebench eval`'s tasks, one registry entry each (core/registry.h): wikitext, lambada, text
// (suite/eval/perplexity.h computes them as Megatron-LM's tasks/zeroshot_gpt does) and logits.
// A task checks its own inputs before the model is built (`check`), then scores the model and
// returns what it found as one JSON object, printing the text form when asked.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/registry.h"
#include "models/decoder.h"

namespace spikebench::eval {

/// What `spikebench eval` hands a task: the model in eval mode on its device and the options.
struct TaskInputs {
  models::DecoderLM net{nullptr};
  std::string tokenizer;           // gpt2 | bytes | none (checked against the model's vocabulary)
  std::filesystem::path data_dir;  // resolved only when a task reads from it
  std::string file;                // --file (empty = the task's default under data_dir)
  std::string tokens, out;         // logits: the ids, the safetensors file
  int64_t seq_len = 0, overlap = 32, batch = 8, limit = 0;
  bool strict = true;  // LAMBADA: strict last-word target (false = Megatron's default)
  bool print = true;   // print the text form (false: --json)
};

struct EvalTask {
  static constexpr const char* kKind = "eval task";
  std::string summary;
  /// Throws an Error naming the missing option; runs before any model exists.
  void (*check)(const TaskInputs& in);
  nlohmann::json (*run)(const TaskInputs& in);
  bool needs_tokenizer = true;  // false: any vocabulary, no text read (logits of given ids)
};

}  // namespace spikebench::eval

/// Registers eval task `name` (`spikebench eval --task name`).
#define SPIKEBENCH_EVAL_TASK(name, ...) \
  SPIKEBENCH_REGISTER(::spikebench::eval::EvalTask, name, __VA_ARGS__)
