// LAMBADA test file reader (JSON lines; each text split into context and last word).
#include "datasets/lambada.h"
#include "fuzz/fuzz_common.h"

using namespace spikebench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto path = fuzz::scratch_file(text, "lambada_test.jsonl");
  fuzz::expect_ok_or_error([&] { (void)datasets::read_lambada(path); });
  fuzz::expect_ok_or_error([&] { (void)datasets::split_lambada(std::string(text), "fuzz"); });
  return 0;
}
