#pragma once
// The project's one exception type and small string helpers. Every user-facing failure is an
// Error whose message names the file / line / key at fault; the CLI prints it on one line and
// exits non-zero.
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace spikebench {

/// A user-facing error: the message is complete (what, where) and printed as is.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

/// "a,b,,c" -> {"a", "b", "c"}: the non-empty items of a `sep`-separated list.
inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

/// Builds a message from streamable pieces: fail("x.yaml:3: key '", k, "' unknown").
template <typename... Args>
[[noreturn]] void fail(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  throw Error(os.str());
}

}  // namespace spikebench
