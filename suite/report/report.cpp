#include "suite/report/report.h"

#include <cstdlib>

#include "core/error.h"
#include "suite/checks/checks.h"

namespace spikebench::report {

void render(const std::filesystem::path& results_dir) {
  const auto script = std::filesystem::path(SPIKEBENCH_SOURCE_DIR) / "scripts" / "report.py";
  if (!std::filesystem::exists(script)) fail("report: ", script.string(), " not found");
  const std::string cmd = "/usr/bin/python3 '" + script.string() + "' '" + results_dir.string() +
                          "' --baselines '" + checks::default_baselines_dir().string() + "'";
  if (std::system(cmd.c_str()) != 0) fail("report: '", cmd, "' failed");
}

}  // namespace spikebench::report
