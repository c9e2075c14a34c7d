// Concurrent runs and failed writes (issue 17.3): a second writer of the same results file stops
// with "in use by PID N" and writes nothing; another artifact into the same folder runs; a write
// that fails (a file-size limit: EFBIG, as a full disk's ENOSPC) exits non-zero naming the path
// and leaves the previous results file byte for byte as it was.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/error.h"
#include "suite/results/lock.h"

namespace fs = std::filesystem;
using spikebench::results::WriterLock;

namespace {

struct Result {
  int code;
  std::string output;
};

Result shell(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}

std::string bytes(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A study that writes a results file in well under a second (no training, no data).
const char* kStudy = R"(name: quick
runner: param_count
methods:
  preln: {}
grid: {sizes: [tiny], seeds: 1}
scales:
  cpu: {}
)";

fs::path fresh_dir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("spikebench-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  std::ofstream(d / "quick.yaml") << kStudy;
  return d;
}

std::string run_cmd(const fs::path& d, const std::string& study = "quick.yaml") {
  return std::string(SPIKEBENCH_BIN) + " run " + (d / study).string() + " --scale cpu --out " +
         (d / "out").string();
}

}  // namespace

TEST_CASE("a results file has one writer, the lock names its PID", "[lock]") {
  const auto d = fresh_dir("lock-unit");
  const fs::path file = d / "x-cpu.h5";
  {
    WriterLock first(file);
    CHECK(fs::exists(first.path()));
    try {
      WriterLock second(file);  // a second open file description conflicts, even in one process
      FAIL("the second lock was granted");
    } catch (const spikebench::Error& e) {
      const std::string what = e.what();
      CHECK(what.find("in use by PID " + std::to_string(::getpid())) != std::string::npos);
      CHECK(what.find(file.string()) != std::string::npos);
    }
  }
  CHECK_FALSE(fs::exists(file.string() + ".lock"));  // released and removed
  WriterLock again(file);                            // free again
  fs::remove_all(d);
}

TEST_CASE("a second run of the same artifact into the same --out stops, another artifact runs",
          "[lock]") {
  const auto d = fresh_dir("lock-cli");
  fs::create_directories(d / "out");
  std::string other = kStudy;
  other.replace(other.find("name: quick"), 11, "name: other");
  std::ofstream(d / "other.yaml") << other;
  {
    WriterLock held(d / "out" / "quick-cpu.h5");  // as a running `spikebench run` holds it
    const auto r = shell(run_cmd(d));
    CHECK(r.code == 1);
    INFO(r.output);
    CHECK(r.output.find("in use by PID " + std::to_string(::getpid())) != std::string::npos);
    CHECK_FALSE(fs::exists(d / "out" / "quick-cpu.h5"));
    const auto ok = shell(run_cmd(d, "other.yaml"));  // a different artifact: its own lock
    INFO(ok.output);
    CHECK(ok.code == 0);
    CHECK(fs::exists(d / "out" / "other-cpu.h5"));
  }
  const auto after = shell(run_cmd(d));  // the holder is gone: the run proceeds
  INFO(after.output);
  CHECK(after.code == 0);
  CHECK(fs::exists(d / "out" / "quick-cpu.h5"));
  CHECK_FALSE(fs::exists(d / "out" / "quick-cpu.h5.lock"));
  fs::remove_all(d);
}

TEST_CASE("a failed write exits non-zero naming the path and keeps the previous results file",
          "[lock]") {
  const auto d = fresh_dir("efbig");
  const auto first = shell(run_cmd(d));
  INFO(first.output);
  REQUIRE(first.code == 0);
  const fs::path file = d / "out" / "quick-cpu.h5";
  const std::string before = bytes(file);
  REQUIRE(before.size() > 4096);
  // bash's `ulimit -f 4` = 4 KiB per file: the first save of the run fails with EFBIG (SIGXFSZ
  // ignored, as a process on a full disk sees ENOSPC rather than a signal).
  const auto r = shell("bash -c 'trap \"\" XFSZ; ulimit -f 4; exec " + run_cmd(d) + "'");
  INFO(r.output);
  CHECK(r.code == 1);
  CHECK(r.output.find((d / "out").string()) != std::string::npos);
  CHECK(bytes(file) == before);
  CHECK_FALSE(fs::exists(file.string() + ".tmp"));
  fs::remove_all(d);
}
