// spikebench report RESULTS.h5|DIR: figures, tables and index.html beside the results.
#include <cstdio>
#include <filesystem>

#include "cli/command.h"
#include "cli/options.h"
#include "suite/report/report.h"

namespace spikebench::cli {
namespace {

int run(const std::vector<std::string>& args) {
  po::options_description opts("report options");
  opts.add_options()("path", po::value<std::string>()->default_value("results"),
                     "results folder or file");
  auto vm = parse("report", "[RESULTS.h5|DIR]", opts, {{"path", 1}}, args);
  if (!vm) return 0;
  std::filesystem::path p = (*vm)["path"].as<std::string>();
  if (std::filesystem::is_regular_file(p)) p = p.parent_path().empty() ? "." : p.parent_path();
  report::render(p);
  std::printf("report: %s\n", (p / "report" / "index.html").c_str());
  return 0;
}

SPIKEBENCH_COMMAND("report", run);

}  // namespace
}  // namespace spikebench::cli
