#pragma once
// Runs a study at one scale: validate everything first (config keys, data folder, output
// folder), then run each grid point, flushing the results file atomically as it goes, then
// evaluate the expectations into /checks. Used by `spikebench run` and `reproduce`.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "suite/checks/checks.h"
#include "suite/study.h"

namespace spikebench {
namespace engine {
class Communicator;
}
class RunCache;

struct RunOptions {
  std::string scale = "cpu";
  int seeds = 0;  // 0 = the study's
  std::filesystem::path out_dir = "results";
  std::optional<std::string> data_dir;  // --data-dir
  bool resume = false;
  bool update_golden = false;
  std::vector<std::string> sets;  // --set key=value
  std::string command_line;
  /// Data parallel (world size > 1): every rank runs every run; only rank 0 writes files.
  std::shared_ptr<engine::Communicator> comm;
  /// Runs finished earlier in this process, reused when a config repeats (`reproduce`).
  std::shared_ptr<RunCache> cache;
  /// Runs executed at once, each in its own `spikebench worker` process (1: in this process).
  int jobs = 1;
  /// A confirmatory run (suite/prereg.h): the study must match its pre-registration; the
  /// attempt is appended to its attempts file (a second one needs `rerun_reason`).
  bool confirmatory = false;
  std::string rerun_reason;
};

struct RunReport {
  std::filesystem::path file;
  int runs = 0, diverged = 0, failed = 0;
  std::vector<checks::Outcome> checks;
  bool skipped = false;
  std::string skip_reason;
  bool writer = true;  // false on data-parallel ranks other than 0 (they print nothing)
};

RunReport run_study(const Study& study, const RunOptions& options);

/// The current UTC time as ISO 8601, and the source tree's short git commit ("unknown" outside
/// a git checkout): what a results file or a pre-registration record is stamped with.
std::string now_iso();
std::string git_sha();

/// The attributes each planned run's group will carry (method, size, seed, lr): what checks
/// select and pair on, validated before anything runs.
std::vector<checks::RunAttrs> planned_attrs(const std::vector<RunSpec>& runs);

/// Runs the grid point `run_name` of `study` in this process into `file`, a results file of
/// that run alone (what a --jobs worker does). Returns 0, or 1 when the run failed (its status
/// says why).
int run_one(const Study& study, const RunOptions& options, const std::string& run_name,
            const std::filesystem::path& file, const std::filesystem::path& checkpoint_dir,
            const std::filesystem::path& model_dir = {}, bool show_progress = false);

/// `--jobs 0`: as many processes as the cores allow for the runs' thread counts (measured
/// fastest for the single-thread cpu proxies: bench/README.md); 1 for runs that use every core.
int auto_jobs(const Study& study, const RunOptions& options);

/// Re-evaluates the checks of a results file from the file alone; rewrites its /checks.
std::vector<checks::Outcome> recheck(const std::filesystem::path& file, const checks::Options& o);

/// Prints a check table (name, kind, verdict, reason) to stdout.
void print_checks(const std::vector<checks::Outcome>& outcomes);

}  // namespace spikebench
