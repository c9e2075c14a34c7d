// Python-compatible whitespace split/rstrip, lowercasing (ICU) and general categories (ICU) on
// UTF-8 strings; see unicode.h for the exact Python semantics reproduced.
#include "metrics/unicode.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "core/error.h"

namespace spikebench::text {

namespace {

// Length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 when it is invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid, as in Python).
size_t utf8_seq_len(std::string_view s, size_t i, char32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c0 = b(i);
  if (c0 < 0x80) return *cp = c0, 1;
  size_t len;
  char32_t c;
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    len = 2, c = c0 & 0x1F;
  } else if (c0 >= 0xE0 && c0 <= 0xEF) {
    len = 3, c = c0 & 0x0F;
  } else if (c0 >= 0xF0 && c0 <= 0xF4) {
    len = 4, c = c0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    c = (c << 6) | (b(i + k) & 0x3F);
  }
  if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
      (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  return *cp = c, len;
}

// Width in bytes of the whitespace code point starting at s[i], or 0. Only valid UTF-8 is fed.
size_t space_width(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  const unsigned char c = b(i);
  if (c < 0x80) return ((c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20)) ? 1 : 0;
  if (c == 0xC2) return (b(i + 1) == 0x85 || b(i + 1) == 0xA0) ? 2 : 0;
  if (c == 0xE1) return (b(i + 1) == 0x9A && b(i + 2) == 0x80) ? 3 : 0;  // U+1680
  if (c == 0xE2) {
    const unsigned c1 = b(i + 1), c2 = b(i + 2);
    if (c1 == 0x80 && (c2 <= 0x8A || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF)) return 3;
    if (c1 == 0x81 && c2 == 0x9F) return 3;  // U+205F
    return 0;
  }
  if (c == 0xE3) return (b(i + 1) == 0x80 && b(i + 2) == 0x80) ? 3 : 0;  // U+3000
  return 0;
}

}  // namespace

size_t utf8_find_invalid(std::string_view s) {
  char32_t cp;
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_seq_len(s, i, &cp);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::u32string utf8_decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  char32_t cp;
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_seq_len(s, i, &cp);
    if (n == 0) fail("invalid UTF-8 at byte ", i);
    out.push_back(cp);
    i += n;
  }
  return out;
}

void utf8_append(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string utf8_encode(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) utf8_append(out, c);
  return out;
}

bool is_py_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

std::vector<std::string_view> py_split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0, start = std::string_view::npos;
  while (i < s.size()) {
    const size_t w = space_width(s, i);
    if (w) {
      if (start != std::string_view::npos) out.push_back(s.substr(start, i - start));
      start = std::string_view::npos;
      i += w;
    } else {
      if (start == std::string_view::npos) start = i;
      ++i;
    }
  }
  if (start != std::string_view::npos) out.push_back(s.substr(start));
  return out;
}

std::string py_split_join(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::string_view tok : py_split(s)) {
    if (!out.empty()) out.push_back(' ');
    out.append(tok);
  }
  return out;
}

std::string_view py_rstrip(std::string_view s) {
  // Scan forward (UTF-8 cannot be parsed backwards cheaply for multi-byte spaces) and remember
  // where the last non-space code point ended.
  size_t end = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t w = space_width(s, i);
    if (w) {
      i += w;
    } else {
      ++i;
      end = i;
    }
  }
  return s.substr(0, end);
}

std::string py_lower(std::string_view s) {
  bool ascii = true;
  for (char c : s) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
  }
  // UTF-8 → UTF-16 → ICU lowercase (root locale: Python's str.lower() is locale-independent
  // but applies Final_Sigma, as ICU's root locale does) → UTF-8.
  UErrorCode err = U_ZERO_ERROR;
  int32_t n16 = 0;
  u_strFromUTF8(nullptr, 0, &n16, s.data(), static_cast<int32_t>(s.size()), &err);
  if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err)) fail("lowercase: invalid UTF-8 input");
  std::u16string in16(static_cast<size_t>(n16), u'\0');
  err = U_ZERO_ERROR;
  u_strFromUTF8(reinterpret_cast<UChar*>(in16.data()), n16, nullptr, s.data(),
                static_cast<int32_t>(s.size()), &err);
  if (U_FAILURE(err)) fail("lowercase: invalid UTF-8 input");
  std::u16string low16(in16.size() * 3 + 1, u'\0');  // lowercase expands at most 3x
  err = U_ZERO_ERROR;
  const int32_t nlow =
      u_strToLower(reinterpret_cast<UChar*>(low16.data()), static_cast<int32_t>(low16.size()),
                   reinterpret_cast<const UChar*>(in16.data()), n16, "", &err);
  if (U_FAILURE(err)) fail("lowercase: ICU u_strToLower failed: ", u_errorName(err));
  std::string out(static_cast<size_t>(nlow) * 3, '\0');
  int32_t n8 = 0;
  err = U_ZERO_ERROR;
  u_strToUTF8(out.data(), static_cast<int32_t>(out.size()), &n8,
              reinterpret_cast<const UChar*>(low16.data()), nlow, &err);
  if (U_FAILURE(err)) fail("lowercase: ICU u_strToUTF8 failed: ", u_errorName(err));
  out.resize(static_cast<size_t>(n8));
  return out;
}

bool is_number(char32_t c) { return (U_GET_GC_MASK(static_cast<UChar32>(c)) & U_GC_N_MASK) != 0; }
bool is_punct(char32_t c) { return (U_GET_GC_MASK(static_cast<UChar32>(c)) & U_GC_P_MASK) != 0; }
bool is_symbol(char32_t c) { return (U_GET_GC_MASK(static_cast<UChar32>(c)) & U_GC_S_MASK) != 0; }

}  // namespace spikebench::text
