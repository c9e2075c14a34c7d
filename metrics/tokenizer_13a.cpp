// The `13a` tokenizer: a byte-exact re-implementation of sacrebleu v2.6.0's Tokenizer13a
// (tokenizer_13a.py) and TokenizerRegexp (tokenizer_re.py), i.e. mteval-v13a.pl's tokenization.
#include <string>

#include "metrics/tokenizer.h"
#include "metrics/unicode.h"

namespace spikebench::text {

namespace {

// Python's str.replace(from, to): all non-overlapping occurrences, left to right.
void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (s.find(from) == std::string::npos) return;
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  for (size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    out.append(s, pos, hit - pos);
    out.append(to);
  }
  out.append(s, pos, std::string::npos);
  s.swap(out);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_period_comma(char c) { return c == '.' || c == ','; }

// Rule 1, r'([\{-\~\[-\` -\&\(-\+\:-\@\/])' -> r' \1 ': ASCII punctuation and symbols except
// apostrophe (0x27), comma, hyphen and period (0x2C-0x2E); the space itself (0x20) is in the class.
bool is_13a_symbol(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 0x7B && u <= 0x7E) || (u >= 0x5B && u <= 0x60) || (u >= 0x20 && u <= 0x26) ||
         (u >= 0x28 && u <= 0x2B) || (u >= 0x3A && u <= 0x40) || u == 0x2F;
}

// The three two-character rules follow Python's re.sub: matches are found left to right and do
// not overlap, so a character consumed by one match cannot start the next. All class members are
// ASCII, so scanning UTF-8 bytes finds exactly the matches Python finds on code points ([^0-9]
// next to an ASCII '.' or ',' is either ASCII or the boundary byte of a multi-byte character).
std::string apply_rules(const std::string& in) {
  std::string a;
  a.reserve(in.size() * 2);
  for (char c : in) {
    if (is_13a_symbol(c)) {
      a.push_back(' ');
      a.push_back(c);
      a.push_back(' ');
    } else {
      a.push_back(c);
    }
  }
  // Rule 2, r'([^0-9])([\.,])' -> r'\1 \2 ': period and comma unless preceded by a digit.
  std::string b;
  b.reserve(a.size() + a.size() / 4);
  for (size_t i = 0; i < a.size();) {
    if (i + 1 < a.size() && !is_digit(a[i]) && is_period_comma(a[i + 1])) {
      b.push_back(a[i]);
      b.push_back(' ');
      b.push_back(a[i + 1]);
      b.push_back(' ');
      i += 2;
    } else {
      b.push_back(a[i++]);
    }
  }
  // Rule 3, r'([\.,])([^0-9])' -> r' \1 \2': period and comma unless followed by a digit.
  std::string c;
  c.reserve(b.size() + b.size() / 4);
  for (size_t i = 0; i < b.size();) {
    if (i + 1 < b.size() && is_period_comma(b[i]) && !is_digit(b[i + 1])) {
      c.push_back(' ');
      c.push_back(b[i]);
      c.push_back(' ');
      c.push_back(b[i + 1]);
      i += 2;
    } else {
      c.push_back(b[i++]);
    }
  }
  // Rule 4, r'([0-9])(-)' -> r'\1 \2 ': a dash preceded by a digit.
  std::string d;
  d.reserve(c.size() + 16);
  for (size_t i = 0; i < c.size();) {
    if (i + 1 < c.size() && is_digit(c[i]) && c[i + 1] == '-') {
      d.push_back(c[i]);
      d.push_back(' ');
      d.push_back('-');
      d.push_back(' ');
      i += 2;
    } else {
      d.push_back(c[i++]);
    }
  }
  return d;
}

}  // namespace

std::string Tokenizer13a::operator()(std::string_view line_in) const {
  // Language-independent part (tokenizer_13a.py): drop <skipped>, join hyphenated line breaks,
  // unescape the four SGML entities mteval knows (in this order, each a full str.replace).
  std::string line(line_in);
  replace_all(line, "<skipped>", "");
  replace_all(line, "-\n", "");
  replace_all(line, "\n", " ");
  if (line.find('&') != std::string::npos) {
    replace_all(line, "&quot;", "\"");
    replace_all(line, "&amp;", "&");
    replace_all(line, "&lt;", "<");
    replace_all(line, "&gt;", ">");
  }
  // TokenizerRegexp on f' {line} ', then "one space only between words".
  return py_split_join(apply_rules(" " + line + " "));
}

}  // namespace spikebench::text
