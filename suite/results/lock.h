#pragma once
// One writer per results file: `spikebench run` holds an exclusive flock(2) on "<file>.lock"
// (holding its PID) while it writes "<file>", so a second run of the same artifact and scale
// into the same --out stops with "in use by PID N" instead of interleaving two writers' renames.
// The kernel drops the lock when the process ends, SIGKILL included: no stale locks.
#include <filesystem>

namespace spikebench::results {

class WriterLock {
 public:
  /// Takes the lock of `results_file` or throws an Error naming the file and the holder's PID.
  explicit WriterLock(const std::filesystem::path& results_file);
  ~WriterLock();
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace spikebench::results
