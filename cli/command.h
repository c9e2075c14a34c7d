#pragma once
// A `spikebench` sub-command: one file per command under suite/commands/, registered with
// SPIKEBENCH_COMMAND(name, run) and listed in command_list.h. `run` receives the arguments after
// the command name and returns the process exit code; it parses its own options
// (Boost.Program_options) and answers --help itself.
#include <string>
#include <vector>

#include "core/registry.h"

namespace spikebench::cli {

struct Command {
  static constexpr const char* kKind = "command";
  int (*run)(const std::vector<std::string>& args);  // exit code; the summary: command_list.h
};

}  // namespace spikebench::cli

/// Registers command `name` (listed, with its summary, in command_list.h) run by `fn`.
#define SPIKEBENCH_COMMAND(name, fn) SPIKEBENCH_REGISTER(::spikebench::cli::Command, name, fn)
