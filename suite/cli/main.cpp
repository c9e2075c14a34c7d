// spikebench: the command-line entry point. Sub-commands register themselves (command.h);
// this file only dispatches and turns errors into one line on stderr plus a non-zero exit.
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "suite/cli/command.h"

namespace {

void print_usage(std::ostream& os) {
  os << "usage: spikebench COMMAND [OPTIONS]   (spikebench COMMAND --help for details)\n\n"
        "Reproducibility and stability benchmark for 'Spike No More' (Takase et al.).\n\n"
        "commands:\n";
  for (const auto& [name, cmd] :
       spikebench::Registry<spikebench::cli::Command>::instance().entries())
    os << "  " << name << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ') << cmd.summary
       << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(std::cout);
    return args.empty() ? 2 : 0;
  }
  try {
    const auto& registry = spikebench::Registry<spikebench::cli::Command>::instance();
    const auto& command = registry.get(args[0]);
    return command.run(std::vector<std::string>(args.begin() + 1, args.end()));
  } catch (const std::exception& e) {
    std::cerr << "spikebench: error: " << e.what() << "\n";
    return 1;
  }
}
