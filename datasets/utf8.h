#pragma once
// UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF) and decoding of one
// code point from already-validated text.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace spikebench::datasets {

/// Byte offset of the first invalid UTF-8 sequence in `s`, or npos when `s` is valid.
size_t find_invalid_utf8(std::string_view s);

/// Decodes the code point starting at `p` (valid UTF-8 assumed); sets `len` to its byte length.
inline uint32_t decode_utf8(const unsigned char* p, size_t& len) {
  unsigned char c = p[0];
  if (c < 0x80) return len = 1, c;
  if (c < 0xE0) return len = 2, uint32_t(c & 0x1F) << 6 | (p[1] & 0x3F);
  if (c < 0xF0)
    return len = 3, uint32_t(c & 0x0F) << 12 | uint32_t(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
  return len = 4, uint32_t(c & 0x07) << 18 | uint32_t(p[1] & 0x3F) << 12 |
                      uint32_t(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
}

}  // namespace spikebench::datasets
