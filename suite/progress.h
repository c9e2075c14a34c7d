#pragma once
// Progress display for long work: one self-rewriting line on a terminal (steps, tokens/s, loss,
// ETA); on a pipe or file only the begin/end lines, so CI logs stay short.
#include <chrono>
#include <cstdint>
#include <string>

namespace spikebench {

class Progress {
 public:
  explicit Progress(bool enabled = true);
  /// Starts a task of `total` units (steps, runs, windows) called `label`.
  void begin(const std::string& label, int64_t total);
  /// Reports `done` units, with an optional free-text status (e.g. "loss 3.21 12.3k tok/s").
  void update(int64_t done, const std::string& status = "");
  /// Ends the task with a final line.
  void end(const std::string& summary);
  bool interactive() const { return tty_; }

 private:
  bool enabled_, tty_;
  std::string label_;
  int64_t total_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace spikebench
