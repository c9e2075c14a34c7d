#include "suite/jobs.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

extern char** environ;

namespace spikebench {

JobPool::JobPool(int slots) : slots_(slots) {
  if (slots < 1) fail("--jobs must be >= 1");
}

JobPool::~JobPool() {
  for (const auto& [pid, id] : running_) ::kill(pid, SIGKILL);
  for (const auto& [pid, id] : running_) ::waitpid(pid, nullptr, 0);
}

void JobPool::start(int64_t id, const std::vector<std::string>& argv,
                    const std::vector<std::string>& env) {
  std::vector<std::string> env_s(env);
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e, name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& x : env) replaced = replaced || x.substr(0, x.find('=')) == name;
    if (!replaced) env_s.push_back(entry);
  }
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), envp.data());
  if (rc != 0) fail("cannot start a worker process (", argv[0], "): ", std::strerror(rc));
  running_.emplace(pid, id);
}

JobPool::Finished JobPool::wait_any() {
  if (running_.empty()) fail("JobPool::wait_any: no job is running");
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      fail("waitpid: ", std::strerror(errno));
    }
    auto it = running_.find(pid);
    if (it == running_.end()) continue;  // not ours
    const Finished f{it->second, WIFEXITED(status) ? WEXITSTATUS(status)
                                                   : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0)};
    running_.erase(it);
    return f;
  }
}

std::filesystem::path self_executable() { return std::filesystem::read_symlink("/proc/self/exe"); }

}  // namespace spikebench
