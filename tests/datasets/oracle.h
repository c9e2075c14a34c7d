#pragma once
// Test helpers: where the data folder and the GPT-2 oracles are, and a shared tokenizer.
#include <filesystem>

#include "core/data_dir.h"
#include "datasets/bpe.h"

namespace spikebench::datasets::testing {

inline std::filesystem::path data_dir() { return spikebench::resolve_data_dir(); }
inline std::filesystem::path oracle_dir() { return data_dir() / "oracles" / "gpt2_tokenizer"; }

/// One tokenizer for the whole test binary (loading verifies both sha256 pins).
inline const Gpt2Tokenizer& gpt2() {
  static const Gpt2Tokenizer tok = Gpt2Tokenizer::load(data_dir() / "gpt2");
  return tok;
}

}  // namespace spikebench::datasets::testing
