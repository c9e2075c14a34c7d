// The `intl` tokenizer: sacrebleu v2.6.0's TokenizerV14International (tokenizer_intl.py), i.e.
// mteval-v14.pl's international tokenization, with Unicode general categories from ICU.
#include <string>

#include "metrics/tokenizer.h"
#include "metrics/unicode.h"

namespace spikebench::text {

// Three substitutions applied in order with Python `regex.sub` semantics (left to right,
// non-overlapping), on code points:
//   1. r'(\P{N})(\p{P})' -> r'\1 \2 '   punctuation preceded by a non-number
//   2. r'(\p{P})(\P{N})' -> r' \1 \2'   punctuation followed by a non-number
//   3. r'(\p{S})'        -> r' \1 '     every symbol
// then ' '.join(line.split()). Categories come from ICU (Unicode 15 for ICU 72); the `regex`
// module may know a newer Unicode, which only matters for code points assigned since then.
std::string TokenizerIntl::operator()(std::string_view line) const {
  const std::u32string in = utf8_decode(line);
  std::u32string a;
  a.reserve(in.size() + in.size() / 4);
  for (size_t i = 0; i < in.size();) {
    if (i + 1 < in.size() && !is_number(in[i]) && is_punct(in[i + 1])) {
      a += {in[i], U' ', in[i + 1], U' '};
      i += 2;
    } else {
      a.push_back(in[i++]);
    }
  }
  std::u32string b;
  b.reserve(a.size() + a.size() / 4);
  for (size_t i = 0; i < a.size();) {
    if (i + 1 < a.size() && is_punct(a[i]) && !is_number(a[i + 1])) {
      b += {U' ', a[i], U' ', a[i + 1]};
      i += 2;
    } else {
      b.push_back(a[i++]);
    }
  }
  std::string out;
  out.reserve(line.size() * 2);
  for (char32_t c : b) {
    if (is_symbol(c)) {
      out.push_back(' ');
      utf8_append(out, c);
      out.push_back(' ');
    } else {
      utf8_append(out, c);
    }
  }
  return py_split_join(out);
}

}  // namespace spikebench::text
