// GPT-2 BPE decode of arbitrary id lists (4 bytes per id, as `spikebench decode` reads them
// after parsing): an id outside [0, 50257) is an Error, any other list decodes, and the bytes
// are the concatenation of each id's token bytes.
#include <cstring>
#include <vector>

#include "datasets/bpe.h"
#include "fuzz/fuzz_gpt2.h"

using namespace spikebench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<int32_t> ids(size / 4);
  if (!ids.empty()) std::memcpy(ids.data(), data, ids.size() * 4);
  bool in_range = true;
  for (int32_t id : ids) in_range &= id >= 0 && id < datasets::Gpt2Tokenizer::kVocabSize;
  try {
    const std::string bytes = fuzz::gpt2_tokenizer().decode(ids);
    if (!in_range) fuzz::property_failed("an out-of-range id decodes");
    std::string expected;
    for (int32_t id : ids) expected += fuzz::gpt2_tokenizer().token_bytes(id);
    if (bytes != expected) fuzz::property_failed("decode == concatenated token bytes");
  } catch (const Error&) {
    if (in_range) fuzz::property_failed("an in-range id list is rejected");
  }
  return 0;
}
