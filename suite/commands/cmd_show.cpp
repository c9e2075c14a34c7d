// spikebench show ARTIFACT: the grid per scale (resolved runs) and the expectations.
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "cli/options.h"
#include "suite/config/yaml.h"
#include "suite/study.h"

namespace spikebench::cli {
namespace {

int run(const std::vector<std::string>& args) {
  po::options_description opts("show options");
  opts.add_options()("artifact", po::value<std::string>()->required(),
                     "artifact name or STUDY.yaml")("scale", po::value<std::string>(),
                                                    "only this scale")(
      "yaml", po::bool_switch(), "print the artifact's YAML as embedded");
  auto vm =
      parse("show", "ARTIFACT|STUDY.yaml [--scale S] [--yaml]", opts, {{"artifact", 1}}, args);
  if (!vm) return 0;
  const Study s = find_study((*vm)["artifact"].as<std::string>());
  if ((*vm)["yaml"].as<bool>()) {
    std::cout << YAML::Dump(s.root) << "\n";
    return 0;
  }
  std::printf("%s  %s\n%s\nrunner: %s   source: %s\n", s.id.c_str(), s.name.c_str(),
              s.title.c_str(), s.runner.c_str(), s.source.c_str());
  if (!s.paper.empty()) std::printf("paper: %s\n", s.paper.c_str());
  for (const auto& scale : s.scales()) {
    if (vm->count("scale") && (*vm)["scale"].as<std::string>() != scale) continue;
    std::printf("\n== scale %s\n", scale.c_str());
    if (auto skip = s.skip_reason(scale); !skip.empty()) {
      std::printf("  skipped: %s\n", skip.c_str());
      continue;
    }
    if (const auto note = s.note(scale); !note.empty())
      std::printf("  design: %s\n", note.c_str());
    const auto runs = s.runs(scale, 0, {});
    std::printf("  %zu runs:\n", runs.size());
    for (const auto& r : runs) std::printf("    %s\n", r.name.c_str());
    if (!runs.empty())
      std::printf("  config of %s:\n    %s\n", runs[0].name.c_str(),
                  config::flow(runs[0].config).c_str());
    std::printf("  expectations:\n");
    for (const auto& e : s.expectations(scale)) std::printf("    - %s\n", config::flow(e).c_str());
  }
  return 0;
}

SPIKEBENCH_COMMAND("show", run);

}  // namespace
}  // namespace spikebench::cli
