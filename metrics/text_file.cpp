// sacrebleu-style segment file reader (utils.smart_open + line.rstrip()), with gzip via zlib.
#include "metrics/text_file.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "core/error.h"
#include "metrics/unicode.h"

namespace spikebench::text {

namespace {

std::string read_all(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) fail(path, ": no such file");
  const bool gz = path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  std::string data;
  if (gz) {
    std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
    if (!f) fail(path, ": cannot open: ", std::strerror(errno));
    char buf[1 << 16];
    int n;
    while ((n = gzread(f.get(), buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
    if (n < 0) {
      int err = 0;
      fail(path, ": gzip read error: ", gzerror(f.get(), &err));
    }
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, ": cannot open: ", std::strerror(errno));
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) fail(path, ": read error");
  }
  return data;
}

}  // namespace

std::vector<std::string> read_segments(const std::string& path) {
  const std::string data = read_all(path);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < data.size()) {
    size_t end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    const std::string_view line(data.data() + start, end - start);
    if (const size_t bad = utf8_find_invalid(line); bad != std::string_view::npos)
      fail(path, ":", lines.size() + 1, ": invalid UTF-8 at byte ", bad + 1, " of the line");
    lines.emplace_back(py_rstrip(line));
    start = end + 1;
  }
  return lines;
}

}  // namespace spikebench::text
