// spikebench show ARTIFACT: the grid per scale (resolved runs) and the expectations.
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "cli/options.h"
#include "suite/study.h"

namespace spikebench::cli {
namespace {

int run(const std::vector<std::string>& args) {
  po::options_description opts("show options");
  std::string artifact;
  std::optional<std::string> only_scale;
  bool yaml = false;
  opts.add_options()("artifact", po::value(&artifact)->required(), "artifact name or STUDY.yaml")(
      "scale", maybe(&only_scale), "only this scale")("yaml", po::bool_switch(&yaml),
                                                      "print the artifact's YAML as embedded");
  if (!parse("show", "ARTIFACT|STUDY.yaml [--scale S] [--yaml]", opts, {{"artifact", 1}}, args))
    return 0;
  const Study s = find_study(artifact);
  if (yaml) {
    std::cout << s.root.dump() << "\n";
    return 0;
  }
  std::printf("%s  %s\n%s\nrunner: %s   source: %s\n", s.id.c_str(), s.name.c_str(),
              s.title.c_str(), s.runner.c_str(), s.source.c_str());
  if (!s.paper.empty()) std::printf("paper: %s\n", s.paper.c_str());
  for (const auto& scale : s.scales()) {
    if (only_scale && *only_scale != scale) continue;
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
      std::printf("  config of %s:\n    %s\n", runs[0].name.c_str(), runs[0].config.flow().c_str());
    std::printf("  expectations:\n");
    for (const auto& e : s.expectations(scale).flow_items()) std::printf("    - %s\n", e.c_str());
  }
  return 0;
}

SPIKEBENCH_COMMAND("show", run);

}  // namespace
}  // namespace spikebench::cli
