#pragma once
// The real GPT-2 tokenizer (SPIKEBENCH_DATA_DIR/gpt2), loaded once per fuzzing process.
#include "datasets/bpe.h"
#include "fuzz/fuzz_common.h"

namespace spikebench::fuzz {

inline const datasets::Gpt2Tokenizer& gpt2_tokenizer() {
  static const auto t = datasets::Gpt2Tokenizer::load(data_dir() / "gpt2");
  return t;
}

}  // namespace spikebench::fuzz
