#pragma once
// WikiText-103 for zero-shot evaluation, as Megatron-LM's tasks/zeroshot_gpt does it: the raw
// wiki.*.tokens file, its original word count, and wikitext_detokenizer applied to the whole file.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace spikebench::datasets {

/// Megatron-LM `wikitext_detokenizer` (tasks/zeroshot_gpt/detokenizer.py), same replacements in
/// the same order, on valid UTF-8. Regex steps follow Python `re` semantics (\s = str.isspace).
std::string wikitext_detokenize(std::string_view text);

/// Megatron-LM's num_original_tokens: len(text.strip().split(" ")) — pieces between single
/// spaces of the stripped raw text, so "\n" joins words and runs of spaces give empty pieces.
/// Valid UTF-8 (load_wikitext checks it).
size_t megatron_num_original_tokens(std::string_view raw);

/// len(text.split()): words separated by runs of Unicode whitespace, in valid UTF-8.
size_t whitespace_word_count(std::string_view raw);

/// A WikiText file ready for evaluation: detokenized text plus the counts of the raw file.
struct WikiTextEvalSet {
  std::string raw;                  ///< the file as read (UTF-8 checked)
  std::string text;                 ///< wikitext_detokenize(raw): what gets BPE-encoded
  size_t num_original_tokens = 0;   ///< megatron_num_original_tokens(raw): adjusted-ppl divisor
  size_t num_whitespace_words = 0;  ///< whitespace_word_count(raw)
};

/// Reads `path` (e.g. data_dir/wikitext/wiki.test.tokens); errors name the file and line.
WikiTextEvalSet load_wikitext(const std::filesystem::path& path);

}  // namespace spikebench::datasets
