#include "suite/report/report.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/source_dir.h"
#include "suite/checks/checks.h"

extern char** environ;

namespace spikebench::report {

void render(const std::filesystem::path& results_dir) {
  run_script("report.py",
             {results_dir.string(), "--baselines", checks::default_baselines_dir().string()});
}

void run_script(const std::string& name, const std::vector<std::string>& script_args) {
  const auto script = std::filesystem::path(source_dir()) / "scripts" / name;
  if (!std::filesystem::exists(script)) fail("report: ", script.string(), " not found");
  // The renderer runs as a child process with its arguments as argv (no shell, no quoting).
  std::vector<std::string> args = {"/usr/bin/python3", script.string()};
  args.insert(args.end(), script_args.begin(), script_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (const int rc = ::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ); rc != 0)
    fail("report: cannot start ", args[0], ": ", std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) fail("report: waitpid: ", std::strerror(errno));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail("report: ", args[0], " ", args[1], " failed (exit ",
         WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), ")");
}

}  // namespace spikebench::report
