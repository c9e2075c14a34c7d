// GPT-2 BPE encode of arbitrary bytes: never crashes, and decode(encode(x)) == x for every
// valid UTF-8 x (byte-level BPE is lossless); the first byte chooses allow_special.
#include "fuzz/fuzz_gpt2.h"

using namespace spikebench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool allow_special = data[0] & 1;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  fuzz::expect_ok_or_error([&] {
    const auto ids = fuzz::gpt2_tokenizer().encode(text, allow_special);
    if (fuzz::gpt2_tokenizer().decode(ids) != text) fuzz::property_failed("decode(encode(x)) == x");
  });
  return 0;
}
