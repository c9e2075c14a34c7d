// spikebench list: every registered artifact with its scales; with --components, every
// registered stabilizer, init, norm and intervention with the settings each declares (from the
// registries).
#include <cstdio>

#include "cli/command.h"
#include "cli/options.h"
#include "core/registry.h"
#include "models/init.h"
#include "models/norm.h"
#include "models/stabilizer.h"
#include "suite/engine/intervention.h"
#include "suite/study.h"

namespace spikebench::cli {
namespace {

void print_settings(const std::vector<models::Setting>& settings) {
  for (const auto& s : settings)
    std::printf("  %-15s   %s: %s  [%g, %g]  %s\n", "", s.key.c_str(), s.default_yaml.c_str(), s.lo,
                s.hi, s.help.c_str());
}

void list_components() {
  std::printf("stabilizers (model key `stabilizers: [...]`; settings are run-config keys):\n");
  for (const auto& [name, kind] : Registry<models::StabilizerKind>::instance().entries()) {
    std::printf("  %-15s %s\n", name.c_str(), kind.summary.c_str());
    print_settings(kind.settings);
  }
  std::printf("\ninits (model key `init`):\n");
  for (const auto& [name, kind] : Registry<models::InitKind>::instance().entries())
    std::printf("  %-15s %s\n", name.c_str(), kind.formula.c_str());
  std::printf("\nnorms (model key `norm`):\n");
  for (const auto& [name, kind] : Registry<models::NormKind>::instance().entries()) {
    std::printf("  %s\n", name.c_str());
    print_settings(kind.settings);
  }
  std::printf(
      "\ninterventions (training key `interventions: [...]`; suite/engine/interventions/):\n");
  for (const auto& [name, kind] : Registry<engine::InterventionKind>::instance().entries()) {
    std::printf("  %-15s %s\n", name.c_str(), kind.summary.c_str());
    print_settings(kind.settings);
  }
}

int run(const std::vector<std::string>& args) {
  po::options_description opts("list options");
  bool components = false;
  opts.add_options()("components", po::bool_switch(&components),
                     "list the registered stabilizers (with their settings), inits and norms "
                     "instead of the artifacts");
  if (!parse("list", "[--components]", opts, {}, args)) return 0;
  if (components) return list_components(), 0;
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
