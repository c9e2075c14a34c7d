#pragma once
// Runs a study at one scale: validate everything first (config keys, data folder, output
// folder), then run each grid point, flushing the results file atomically as it goes, then
// evaluate the expectations into /checks. Used by `spikebench run` and `reproduce`.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "suite/checks/checks.h"
#include "suite/study.h"

namespace spikebench {

struct RunOptions {
  std::string scale = "cpu";
  int seeds = 0;  // 0 = the study's
  std::filesystem::path out_dir = "results";
  std::optional<std::string> data_dir;  // --data-dir
  bool resume = false;
  bool update_golden = false;
  std::vector<std::string> sets;  // --set key=value
  std::string command_line;
};

struct RunReport {
  std::filesystem::path file;
  int runs = 0, diverged = 0, failed = 0;
  std::vector<checks::Outcome> checks;
  bool skipped = false;
  std::string skip_reason;
};

RunReport run_study(const Study& study, const RunOptions& options);

/// Re-evaluates the checks of a results file from the file alone; rewrites its /checks.
std::vector<checks::Outcome> recheck(const std::filesystem::path& file, const checks::Options& o);

/// Prints a check table (name, kind, verdict, reason) to stdout.
void print_checks(const std::vector<checks::Outcome>& outcomes);

}  // namespace spikebench
