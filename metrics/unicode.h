#pragma once
// Implements the few pieces of Python's str semantics that sacrebleu's BLEU relies on, for UTF-8
// std::string: str.split()/str.rstrip() whitespace, str.lower() (via ICU), and the Unicode general
// categories N/P/S used by the `intl` tokenizer's \p{..} classes.
#include <string>
#include <string_view>
#include <vector>

namespace spikebench::text {

/// Decodes valid UTF-8 into code points. Throws spikebench::Error at the first invalid byte
/// (Python would refuse to read such a file at all).
std::u32string utf8_decode(std::string_view s);
/// Encodes code points as UTF-8.
std::string utf8_encode(std::u32string_view s);
/// Appends one code point as UTF-8.
void utf8_append(std::string& out, char32_t c);
/// Byte offset of the first invalid UTF-8 sequence in `s`, or npos when `s` is valid.
size_t utf8_find_invalid(std::string_view s);

/// True for exactly the code points Python's str.isspace() accepts (what str.split() with no
/// argument splits on): \t\n\v\f\r, U+001C..U+001F, space, U+0085, U+00A0, U+1680,
/// U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
bool is_py_space(char32_t c);

/// Python's `s.split()` on valid UTF-8: maximal runs of non-whitespace, as views into `s`.
std::vector<std::string_view> py_split(std::string_view s);
/// Python's `' '.join(s.split())`.
std::string py_split_join(std::string_view s);
/// Python's `s.rstrip()` (Unicode whitespace), as a view into `s`.
std::string_view py_rstrip(std::string_view s);

/// Python's `s.lower()`: full Unicode lowercase mapping (SpecialCasing, Final_Sigma), via ICU's
/// root-locale u_strToLower. ASCII-only input takes a fast path.
std::string py_lower(std::string_view s);

/// Unicode general category groups (ICU u_charType): \p{N} (Nd, Nl, No), \p{P} (Pc, Pd, Ps, Pe,
/// Pi, Pf, Po), \p{S} (Sm, Sc, Sk, So).
bool is_number(char32_t c);
bool is_punct(char32_t c);
bool is_symbol(char32_t c);

}  // namespace spikebench::text
