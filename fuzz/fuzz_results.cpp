// The HDF5 results reader and `spikebench check` (results::load, then the checks re-evaluated
// from the file alone, via recheck on a scratch copy). A file that is not a spikebench results
// file is an Error naming it.
#include "fuzz/fuzz_common.h"
#include "suite/pipeline.h"
#include "suite/results/store.h"

using namespace spikebench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = fuzz::scratch_file({reinterpret_cast<const char*>(data), size}, "fuzz-cpu.h5");
  fuzz::expect_ok_or_error([&] { (void)results::load(path); });
  fuzz::expect_ok_or_error([&] { (void)recheck(path, {}); });
  return 0;
}
