// Megatron-LM wikitext_detokenizer, rewritten as literal replacements and one-pass scanners for
// its five bracket/quote regexes: re.sub(r"\(\s*([^\)]*?)\s*\)", r"(\1)", s) matches an opener
// up to the first closer after it (the class excludes the closer) and strips \s from the inside.
#include "datasets/wikitext.h"

#include "datasets/pystr.h"
#include "datasets/text_io.h"
#include "datasets/utf8.h"

namespace spikebench::datasets {
namespace {

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  for (size_t at; (at = s.find(from, i)) != std::string_view::npos; i = at + from.size()) {
    out.append(s.substr(i, at - i));
    out.append(to);
  }
  out.append(s.substr(i));
  return out;
}

// re.sub(open \s*([^close]*?)\s* close, open \1 close, s)
std::string strip_inside(std::string_view s, char open, char close) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  for (;;) {
    size_t b = s.find(open, i);
    if (b == std::string_view::npos) break;
    size_t e = s.find(close, b + 1);
    if (e == std::string_view::npos) break;  // no closer after b: no later match either
    out.append(s.substr(i, b - i));
    out += open;
    out.append(py_strip(s.substr(b + 1, e - b - 1)));
    out += close;
    i = e + 1;
  }
  out.append(s.substr(i));
  return out;
}

// re.sub(r"/' [0-9]/", r"/'[0-9]/", s): Megatron's replacement is the literal text "/'[0-9]/".
std::string slash_quote_digit(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  for (size_t at = s.find("/' "); at != std::string_view::npos; at = s.find("/' ", at + 1)) {
    if (at < i) continue;
    if (at + 4 < s.size() && s[at + 3] >= '0' && s[at + 3] <= '9' && s[at + 4] == '/') {
      out.append(s.substr(i, at - i));
      out.append("/'[0-9]/");
      i = at + 5;
    }
  }
  out.append(s.substr(i));
  return out;
}

}  // namespace

std::string wikitext_detokenize(std::string_view text) {
  // contractions
  std::string s = replace_all(text, "s '", "s'");
  s = slash_quote_digit(s);
  // number separators
  s = replace_all(s, " @-@ ", "-");
  s = replace_all(s, " @,@ ", ",");
  s = replace_all(s, " @.@ ", ".");
  // punctuation
  s = replace_all(s, " : ", ": ");
  s = replace_all(s, " ; ", "; ");
  s = replace_all(s, " . ", ". ");
  s = replace_all(s, " ! ", "! ");
  s = replace_all(s, " ? ", "? ");
  s = replace_all(s, " , ", ", ");
  // double brackets
  s = strip_inside(s, '(', ')');
  s = strip_inside(s, '[', ']');
  s = strip_inside(s, '{', '}');
  s = strip_inside(s, '"', '"');
  s = strip_inside(s, '\'', '\'');
  // miscellaneous
  s = replace_all(s, "= = = =", "====");
  s = replace_all(s, "= = =", "===");
  s = replace_all(s, "= =", "==");
  s = replace_all(s, " \xC2\xB0 ", "\xC2\xB0");  // " ° " -> "°" (chr(176))
  s = replace_all(s, " \n", "\n");
  s = replace_all(s, "\n ", "\n");
  s = replace_all(s, " N ", " 1 ");
  s = replace_all(s, " 's", "'s");
  return s;
}

size_t megatron_num_original_tokens(std::string_view raw) {
  std::string_view s = py_strip(raw);
  size_t n = 1;
  for (char c : s) n += c == ' ';
  return n;
}

size_t whitespace_word_count(std::string_view raw) {
  size_t words = 0;
  bool in_word = false;
  for (size_t i = 0, len; i < raw.size(); i += len) {
    uint32_t cp = decode_utf8(reinterpret_cast<const unsigned char*>(raw.data()) + i, len);
    bool space = py_isspace(cp);
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

WikiTextEvalSet load_wikitext(const std::filesystem::path& path) {
  WikiTextEvalSet set;
  set.raw = read_text_file(path);
  ensure_utf8(set.raw, path.string());
  set.text = wikitext_detokenize(set.raw);
  set.num_original_tokens = megatron_num_original_tokens(set.raw);
  set.num_whitespace_words = whitespace_word_count(set.raw);
  return set;
}

}  // namespace spikebench::datasets
