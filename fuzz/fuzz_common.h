#pragma once
// Shared by the libFuzzer targets (scripts/fuzz.sh): inputs that name a file are written to a
// per-process scratch file, and the project's Error is the one expected way to reject input.
// Anything else — a crash, an ASan/UBSan report, another exception type, a leak — is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/error.h"

namespace spikebench::fuzz {

/// `bytes` written to a scratch file named `name` (its extension selects a reader's format).
inline std::filesystem::path scratch_file(std::string_view bytes, const std::string& name) {
  static const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("spikebench-fuzz-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), std::streamsize(bytes.size()));
  return path;
}

/// The data folder (SPIKEBENCH_DATA_DIR): the GPT-2 tokenizer files and the seed corpora.
inline std::filesystem::path data_dir() {
  const char* d = std::getenv("SPIKEBENCH_DATA_DIR");
  if (!d || !*d) {
    std::fprintf(stderr, "fuzz: set SPIKEBENCH_DATA_DIR (scripts/fuzz.sh does)\n");
    std::abort();
  }
  return d;
}

/// Runs `f`; a spikebench::Error is an accepted rejection of malformed input.
template <class F>
void expect_ok_or_error(F&& f) {
  try {
    f();
  } catch (const Error&) {
  }
}

/// A finding that is not a memory error: the property `what` does not hold.
[[noreturn]] inline void property_failed(const char* what) {
  std::fprintf(stderr, "fuzz: property failed: %s\n", what);
  std::abort();
}

}  // namespace spikebench::fuzz
