#include "suite/progress.h"

#include <unistd.h>

#include <cstdio>

namespace spikebench {

Progress::Progress(bool enabled) : enabled_(enabled), tty_(enabled && ::isatty(STDERR_FILENO)) {}

void Progress::begin(const std::string& label, int64_t total) {
  label_ = label, total_ = total;
  start_ = last_draw_ = std::chrono::steady_clock::now();
  if (enabled_)
    std::fprintf(stderr, "%s: started (%lld)\n", label.c_str(), static_cast<long long>(total));
}

void Progress::update(int64_t done, const std::string& status) {
  if (!tty_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(200) && done < total_) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double eta =
      done > 0 ? elapsed * static_cast<double>(total_ - done) / static_cast<double>(done) : 0;
  std::fprintf(stderr, "\r\033[K%s %lld/%lld %s  [%.0fs, ETA %.0fs]", label_.c_str(),
               static_cast<long long>(done), static_cast<long long>(total_), status.c_str(),
               elapsed, eta);
  std::fflush(stderr);
}

void Progress::end(const std::string& summary) {
  if (!enabled_) return;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "%s%s: %s (%.1fs)\n", tty_ ? "\r\033[K" : "", label_.c_str(),
               summary.c_str(), elapsed);
}

}  // namespace spikebench
