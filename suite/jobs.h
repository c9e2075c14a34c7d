#pragma once
// A pool of child processes for `--jobs N`: independent runs of a study execute in parallel as
// `spikebench worker` processes (posix_spawn; their messages go to the parent's stderr), and
// the parent alone writes the results file. Tiny models run faster as N single-thread processes than as
// one N-thread process (bench/README.md), and a run's results do not depend on which process
// ran it (each run fixes its own thread count).
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace spikebench {

class JobPool {
 public:
  explicit JobPool(int slots);
  ~JobPool();  // kills and reaps jobs still running (an error unwinding the parent)
  JobPool(const JobPool&) = delete;
  JobPool& operator=(const JobPool&) = delete;

  bool has_free_slot() const { return static_cast<int>(running_.size()) < slots_; }
  bool idle() const { return running_.empty(); }
  /// Starts `argv` (argv[0]: the program) with this process's environment plus `env`
  /// ("NAME=value" entries replace inherited ones).
  void start(int64_t id, const std::vector<std::string>& argv,
             const std::vector<std::string>& env = {});

  struct Finished {
    int64_t id;
    int exit_code;  // 128 + signal when killed
  };
  /// Blocks until one job ends.
  Finished wait_any();

 private:
  int slots_;
  std::map<pid_t, int64_t> running_;
};

/// This executable's path (/proc/self/exe), for spawning workers.
std::filesystem::path self_executable();

}  // namespace spikebench
