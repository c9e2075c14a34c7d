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
  std::string path;
  opts.add_options()("path", po::value(&path)->default_value("results"), "results folder or file");
  if (!parse("report", "[RESULTS.h5|DIR]", opts, {{"path", 1}}, args)) return 0;
  std::filesystem::path p = path;
  if (std::filesystem::is_regular_file(p)) p = p.parent_path().empty() ? "." : p.parent_path();
  report::render(p);
  std::printf("report: %s\n", (p / "report" / "index.html").c_str());
  return 0;
}

SPIKEBENCH_COMMAND("report", run);

}  // namespace
}  // namespace spikebench::cli
