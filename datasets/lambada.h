#pragma once
// LAMBADA (OpenAI's lambada_test.jsonl, as GPT-2 and Megatron-LM evaluate it): each passage is
// split at its last space into a context and the last word the model must predict.
#include <filesystem>
#include <string>
#include <vector>

namespace spikebench::datasets {

struct LambadaExample {
  std::string text;       ///< the full passage
  std::string context;    ///< text before the last space (no trailing space)
  std::string last_word;  ///< text after the last space; the target is " " + last_word
};

/// Splits `text` at its last ' '; a passage without a space is an Error naming `where`.
LambadaExample split_lambada(std::string text, const std::string& where);

/// Reads every line of `path` ({"text": ...} per line); errors name file:line.
std::vector<LambadaExample> read_lambada(const std::filesystem::path& path);

}  // namespace spikebench::datasets
