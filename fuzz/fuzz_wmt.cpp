// WMT test-set readers: plain text and SGML (<seg id="1">...</seg>), as newstest files come.
// The first byte chooses the reader.
#include "datasets/wmt.h"
#include "fuzz/fuzz_common.h"

using namespace spikebench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    const auto path = fuzz::scratch_file(text, "newstest.sgm");
    fuzz::expect_ok_or_error([&] { (void)datasets::read_sgml_segments(path); });
  } else {
    const auto path = fuzz::scratch_file(text, "newstest.txt");
    fuzz::expect_ok_or_error([&] { (void)datasets::read_plain_segments(path); });
  }
  return 0;
}
