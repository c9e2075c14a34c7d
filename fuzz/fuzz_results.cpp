// The HDF5 results reader and `spikebench check` (results::load, then the checks re-evaluated
// from the file alone, via recheck on a scratch copy). A file that is not a spikebench results
// file is an Error naming it. results::load reads in a child process; when HDF5 itself crashes
// there the Error says so, and this target prints a CONTAINED line (scripts/fuzz.sh counts
// them): a library bug the caller survived, not a finding in our code.
#include <cstdio>
#include <string>

#include "fuzz/fuzz_common.h"
#include "suite/pipeline.h"
#include "suite/results/store.h"

using namespace spikebench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = fuzz::scratch_file({reinterpret_cast<const char*>(data), size}, "fuzz-cpu.h5");
  try {
    (void)results::load(path);
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.find("the HDF5 library crashed") != std::string::npos ||
        what.find("the HDF5 reader stopped") != std::string::npos ||
        what.find("the HDF5 reader did not finish") != std::string::npos)
      std::fprintf(stderr, "CONTAINED: %s\n", what.c_str());
    return 0;
  }
  fuzz::expect_ok_or_error([&] { (void)recheck(path, {}); });
  return 0;
}
