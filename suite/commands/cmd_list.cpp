// spikebench list: every registered artifact with its scales (from the registry).
#include <cstdio>

#include "cli/command.h"
#include "cli/options.h"
#include "suite/study.h"

namespace spikebench::cli {
namespace {

int run(const std::vector<std::string>& args) {
  po::options_description opts("list options");
  if (!parse("list", "", opts, {}, args)) return 0;
  std::printf("%-5s %-11s %-26s %s\n", "id", "artifact", "scales", "title");
  const auto all = artifacts();
  for (const bool beyond : {false, true}) {
    if (beyond) std::printf("\nbeyond the paper (not run by `reproduce`):\n");
    for (const auto& s : all) {
      if (s.beyond_paper != beyond) continue;
      std::string scales;
      for (const auto& sc : s.scales())
        scales += (scales.empty() ? "" : ",") + sc + (s.skip_reason(sc).empty() ? "" : "(skip)");
      std::printf("%-5s %-11s %-26s %s\n", s.id.c_str(), s.name.c_str(), scales.c_str(),
                  s.title.c_str());
    }
  }
  return 0;
}

SPIKEBENCH_COMMAND("list", run);

}  // namespace
}  // namespace spikebench::cli
