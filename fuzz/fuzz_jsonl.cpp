// The JSON-lines document reader (C4, LAMBADA-style files, `encode --jsonl-field`): every line
// that is not an object with a string "text" is an Error naming file:line; nothing crashes.
#include "datasets/document.h"
#include "fuzz/fuzz_common.h"

using namespace spikebench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = fuzz::scratch_file({reinterpret_cast<const char*>(data), size}, "docs.jsonl");
  fuzz::expect_ok_or_error([&] {
    datasets::JsonlSource source({path});
    datasets::Document doc;
    while (source.next(doc)) {
    }
  });
  return 0;
}
