// Loading encoder.json + vocab.bpe (sha256 check off, as for a user's own vocabulary files):
// the input is both files, separated by the first NUL byte. Malformed files are an Error; a
// vocabulary that loads must encode and decode a short text without crashing.
#include <cstring>

#include "datasets/bpe.h"
#include "fuzz/fuzz_common.h"

using namespace spikebench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t cut = all.find('\0');
  const std::string_view encoder = all.substr(0, cut);
  const std::string_view merges =
      cut == std::string_view::npos ? std::string_view() : all.substr(cut + 1);
  const auto encoder_path = fuzz::scratch_file(encoder, "encoder.json");
  const auto merges_path = fuzz::scratch_file(merges, "vocab.bpe");
  fuzz::expect_ok_or_error([&] {
    const auto t = datasets::Gpt2Tokenizer::load_files(encoder_path, merges_path, false);
    const auto ids = t.encode("Hello world, it's 2026!", true);
    (void)t.decode(ids);
  });
  return 0;
}
