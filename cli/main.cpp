// spikebench: the command-line entry point. Sub-commands register themselves (command.h) and
// are listed in command_list.h. This file dispatches and turns errors into one line on stderr
// plus a non-zero exit. Two executables share it: `spikebench` holds only the LibTorch-free
// commands (text and data tools) and executes `spikebench-suite` (beside it) for the others, so
// `--help`, `encode`, `decode`, `bleu` and `prepare` start no LibTorch.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "cli/command.h"
#include "cli/command_list.h"

namespace {

void print_usage(std::ostream& os) {
  os << "usage: spikebench COMMAND [OPTIONS]   (spikebench COMMAND --help for details)\n\n"
        "Reproducibility and stability benchmark for 'Spike No More' (Takase et al.).\n\n"
        "commands:\n";
  for (const auto& c : spikebench::cli::kCommands) {
    const std::string name = c.name;
    os << "  " << name << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ') << c.summary
       << "\n";
  }
}

/// Replaces this process by `spikebench-suite` (beside this executable) with the same arguments.
[[noreturn]] void exec_suite(char** argv) {
  namespace fs = std::filesystem;
  const fs::path suite = fs::read_symlink("/proc/self/exe").parent_path() / "spikebench-suite";
  std::vector<char*> args = {const_cast<char*>(suite.c_str())};
  for (char** a = argv + 1; *a; ++a) args.push_back(*a);
  args.push_back(nullptr);
  ::execv(suite.c_str(), args.data());
  spikebench::fail("cannot start ", suite.string(), ": ", std::strerror(errno),
                   " (build the spikebench-suite target)");
}

#if defined(__SANITIZE_ADDRESS__)
#define SPIKEBENCH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPIKEBENCH_ASAN 1
#endif
#endif

/// Ends the process without static destructors: LibTorch's (its operator registry deregisters
/// every kernel) cost half of a short command's CPU time, ~0.1-0.2 s (measured with a program
/// that only links libtorch_cpu: 0.36 s returning from main, 0.17 s with _Exit). Every file the
/// commands write is closed, synced and renamed before they return; streams are flushed here.
/// Sanitizer builds exit normally, so that LeakSanitizer still checks at exit.
[[noreturn]] void finish(int code) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
#ifdef SPIKEBENCH_ASAN
  std::exit(code);
#else
  std::_Exit(code);
#endif
}

int dispatch(const std::vector<std::string>& args, char** argv) {
  try {
    const auto* info = spikebench::cli::find_command(args[0].c_str());
    if (!info) {
      std::vector<std::string> names;
      for (const auto& c : spikebench::cli::kCommands) names.emplace_back(c.name);
      spikebench::fail("unknown command '", args[0], "' (valid: ", spikebench::join(names, ", "),
                       ")");
    }
    const auto& registry = spikebench::Registry<spikebench::cli::Command>::instance();
    if (!registry.contains(args[0])) exec_suite(argv);  // a LibTorch command, in the suite
    return registry.get(args[0]).run(std::vector<std::string>(args.begin() + 1, args.end()));
  } catch (const std::exception& e) {
    std::cerr << "spikebench: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(std::cout);
    return args.empty() ? 2 : 0;
  }
  finish(dispatch(args, argv));
}
