#pragma once
// A `spikebench` sub-command: one file per command under suite/cli/, registered with
// SPIKEBENCH_COMMAND(name, summary, run). `run` receives the arguments after the command name
// and returns the process exit code; it parses its own options (Boost.Program_options) and
// answers --help itself.
#include <string>
#include <vector>

#include "core/registry.h"

namespace spikebench::cli {

struct Command {
  static constexpr const char* kKind = "command";
  std::string summary;                               // one line for `spikebench --help`
  int (*run)(const std::vector<std::string>& args);  // exit code
};

}  // namespace spikebench::cli

#define SPIKEBENCH_COMMAND(name, summary, fn) \
  SPIKEBENCH_REGISTER(::spikebench::cli::Command, name, summary, fn)
