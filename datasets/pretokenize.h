#pragma once
// GPT-2 pre-tokenizer: splits text exactly as tiktoken's gpt2/r50k regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// does, with a hand-written scanner (no regex engine). Input must be valid UTF-8.
#include <cstddef>
#include <string_view>

#include "datasets/unicode_classes.h"
#include "datasets/utf8.h"

namespace spikebench::datasets {

namespace detail {
inline CharClass class_at(const unsigned char* p, size_t& len) {
  if (*p < 0x80) return len = 1, ascii_class(*p);
  return char_class(decode_utf8(p, len));
}
}  // namespace detail

/// Calls `emit(begin, end)` (byte offsets) for each pre-token of `text`, left to right.
/// The pieces tile `text` exactly. `text` must be valid UTF-8 (see find_invalid_utf8).
template <typename Emit>
void for_each_pretoken(std::string_view text, Emit&& emit) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0, len = 0;
  while (i < n) {
    const unsigned char c = p[i];
    // 's 't 're 've 'm 'll 'd (lower case only, as in the regex)
    if (c == '\'' && i + 1 < n) {
      const unsigned char c1 = p[i + 1];
      if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
        emit(i, i + 2);
        i += 2;
        continue;
      }
      if (i + 2 < n) {
        const unsigned char c2 = p[i + 2];
        if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
          emit(i, i + 3);
          i += 3;
          continue;
        }
      }
    }
    // " ?" then a run of one class: letters, numbers, or "other" (not space/letter/number)
    size_t j = i;
    CharClass cls = detail::class_at(p + i, len);
    if (c == ' ' && i + 1 < n) {
      size_t len2;
      CharClass next = detail::class_at(p + i + 1, len2);
      if (next != CharClass::kSpace) j = i + 1, cls = next, len = len2;
    }
    if (cls != CharClass::kSpace) {
      size_t k = j + len;
      while (k < n) {
        if (p[k] < 0x80) {
          if (ascii_class(p[k]) != cls) break;
          ++k;
        } else {
          if (detail::class_at(p + k, len) != cls) break;
          k += len;
        }
      }
      emit(i, k);
      i = k;
      continue;
    }
    // \s+(?!\S) | \s+ : a whitespace run; when a non-space follows, its last code point is left
    // for the next piece (so " word" keeps its space), unless the run is one code point long.
    size_t k = i + len, last = i;
    while (k < n) {
      CharClass ck = detail::class_at(p + k, len);
      if (ck != CharClass::kSpace) break;
      last = k;
      k += len;
    }
    if (k < n && last > i) k = last;
    emit(i, k);
    i = k;
  }
}

}  // namespace spikebench::datasets
