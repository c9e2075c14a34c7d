#pragma once
// Python str semantics that the reference pipelines rely on: str.isspace / re's \s (Unicode),
// str.strip(), and re.sub(r"\s+", " ", s.strip()) (sacrebleu's segment cleaning).
#include <cstdint>
#include <string>
#include <string_view>

namespace spikebench::datasets {

/// Python 3 str.isspace() for one code point (also what `re` matches with \s on str patterns).
inline bool py_isspace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/// Python s.strip() (Unicode whitespace) on valid UTF-8.
std::string_view py_strip(std::string_view s);
/// Python re.sub(r"\s+", " ", s.strip()) on valid UTF-8.
std::string py_collapse_whitespace(std::string_view s);

}  // namespace spikebench::datasets
