#include "cli/options.h"

#include <iostream>

#include "core/error.h"

namespace spikebench::cli {

bool parse(const std::string& name, const std::string& usage, po::options_description& options,
           const std::vector<std::pair<std::string, int>>& positional,
           const std::vector<std::string>& args) {
  options.add_options()("help,h", "print this help and exit");
  po::positional_options_description pos;
  for (const auto& [opt, count] : positional) pos.add(opt.c_str(), count);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: spikebench " << name << " " << usage << "\n\n" << options << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    fail("spikebench ", name, ": ", e.what(), " (see 'spikebench ", name, " --help')");
  }
  return true;
}

}  // namespace spikebench::cli
