// The safetensors header parser (`import-hf`, `eval --checkpoint`, `export-hf` read model
// weights through it): any bytes give a header whose tensors tile the buffer in bounds, or an
// Error naming the file.
#include "fuzz/fuzz_common.h"
#include "suite/model_io/safetensors.h"

using namespace spikebench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::expect_ok_or_error([&] {
    const auto h = safetensors::parse_header("fuzz.safetensors", data, size);
    for (const auto& e : h.tensors)
      if (e.end < e.begin || h.buffer_start + e.end > size)
        fuzz::property_failed("a tensor's bytes lie outside the file");
  });
  return 0;
}
