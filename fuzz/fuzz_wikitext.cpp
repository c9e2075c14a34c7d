// WikiText-103 test file reader and Megatron's detokenizer / token counts (zero-shot eval). The
// string functions take valid UTF-8 (load_wikitext checks it first), so they get only that.
#include "datasets/utf8.h"
#include "datasets/wikitext.h"
#include "fuzz/fuzz_common.h"

using namespace spikebench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto path = fuzz::scratch_file(text, "wiki.test.tokens");
  fuzz::expect_ok_or_error([&] { (void)datasets::load_wikitext(path); });
  if (datasets::find_invalid_utf8(text) != std::string_view::npos) return 0;
  fuzz::expect_ok_or_error([&] {
    (void)datasets::wikitext_detokenize(text);
    (void)datasets::megatron_num_original_tokens(text);
    (void)datasets::whitespace_word_count(text);
  });
  return 0;
}
