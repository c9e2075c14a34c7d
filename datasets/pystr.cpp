// Unicode-aware strip / whitespace collapsing over UTF-8, matching Python's str methods.
#include "datasets/pystr.h"

#include "datasets/utf8.h"

namespace spikebench::datasets {
namespace {

// Length of the whitespace code point at s[i], or 0 when s[i] does not start one. Bytes that
// are not a complete UTF-8 sequence are not whitespace (callers validate UTF-8 first; this keeps
// a truncated sequence at the end from reading past it: found by fuzz_wikitext).
size_t space_len(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const size_t need = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  if (need > s.size() - i) return 0;
  size_t len;
  uint32_t cp = decode_utf8(reinterpret_cast<const unsigned char*>(s.data()) + i, len);
  return py_isspace(cp) ? len : 0;
}

}  // namespace

std::string_view py_strip(std::string_view s) {
  size_t b = 0;
  while (b < s.size()) {
    size_t len = space_len(s, b);
    if (!len) break;
    b += len;
  }
  size_t e = s.size();
  while (e > b) {
    size_t start = e - 1;  // back up to the start of the last code point
    while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    if (!space_len(s, start)) break;
    e = start;
  }
  return s.substr(b, e - b);
}

std::string py_collapse_whitespace(std::string_view s) {
  s = py_strip(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t len = space_len(s, i);
    if (!len) {
      size_t n;
      decode_utf8(reinterpret_cast<const unsigned char*>(s.data()) + i, n);
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    while (i < s.size() && (len = space_len(s, i))) i += len;
    out += ' ';
  }
  return out;
}

}  // namespace spikebench::datasets
