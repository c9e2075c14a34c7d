#pragma once
// Unicode character classes for the GPT-2 pre-tokenizer: letter (\p{L}), number (\p{N}),
// whitespace (\s = White_Space), other. Tables come from Unicode 15.0 UnicodeData.txt.
#include <cstdint>

namespace spikebench::datasets {

enum class CharClass : uint8_t { kOther = 0, kLetter = 1, kNumber = 2, kSpace = 3 };

/// Class of code point `cp` (0..0x10FFFF). O(1): a two-stage table built once on first use.
CharClass char_class(uint32_t cp);

/// Class of an ASCII byte (< 0x80), without any table indirection.
inline CharClass ascii_class(unsigned char c) {
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return CharClass::kLetter;
  if (c >= '0' && c <= '9') return CharClass::kNumber;
  if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return CharClass::kSpace;
  return CharClass::kOther;
}

}  // namespace spikebench::datasets
