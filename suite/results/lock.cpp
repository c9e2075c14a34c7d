#include "suite/results/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/error.h"

namespace spikebench::results {
namespace {

std::string holder_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string pid(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? "unknown" : pid;
}

}  // namespace

WriterLock::WriterLock(const std::filesystem::path& results_file)
    : path_(results_file.string() + ".lock") {
  // Retry when the file we locked was unlinked by its previous holder between our open and our
  // flock: the lock must be on the inode that the path names now.
  for (int attempt = 0; attempt < 100; ++attempt) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot create lock file '", path_.string(), "': ", std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const std::string pid = holder_pid(fd_);
      ::close(fd_), fd_ = -1;
      if (err == EWOULDBLOCK)
        fail("'", results_file.string(), "' is in use by PID ", pid, " (lock '", path_.string(),
             "'): another spikebench run writes this artifact and scale; wait for it or use "
             "another --out");
      fail("cannot lock '", path_.string(), "': ", std::strerror(err));
    }
    struct stat held {
    }, named{};
    if (::fstat(fd_, &held) == 0 && ::stat(path_.c_str(), &named) == 0 &&
        held.st_ino == named.st_ino && held.st_dev == named.st_dev) {
      const std::string pid = std::to_string(::getpid()) + "\n";
      if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0)
        fail("cannot write lock file '", path_.string(), "': ", std::strerror(errno));
      return;
    }
    ::close(fd_), fd_ = -1;  // the path now names another file: lock that one
  }
  fail("cannot lock '", path_.string(), "': it keeps being replaced");
}

WriterLock::~WriterLock() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // while still holding the lock: a waiter re-checks the inode
  ::close(fd_);
}

}  // namespace spikebench::results
