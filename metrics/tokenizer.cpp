// The `none` and `char` tokenizers (sacrebleu tokenizer_none.py, tokenizer_char.py) and the
// name → tokenizer factory.
#include "metrics/tokenizer.h"

#include "core/error.h"
#include "metrics/unicode.h"

namespace spikebench::text {

std::string TokenizerChar::operator()(std::string_view line) const {
  // " ".join(line): every code point, whitespace included, separated by one space; the n-gram
  // split then drops the whitespace code points.
  std::string out;
  out.reserve(line.size() * 2);
  for (char32_t c : utf8_decode(line)) {
    if (!out.empty()) out.push_back(' ');
    utf8_append(out, c);
  }
  return out;
}

std::vector<std::string> tokenizer_names() { return {"13a", "intl", "none", "char"}; }

std::unique_ptr<Tokenizer> make_tokenizer(const std::string& name) {
  if (name == "13a") return std::make_unique<Tokenizer13a>();
  if (name == "intl") return std::make_unique<TokenizerIntl>();
  if (name == "none") return std::make_unique<TokenizerNone>();
  if (name == "char") return std::make_unique<TokenizerChar>();
  fail("unknown BLEU tokenizer '", name, "' (known: ", join(tokenizer_names(), ", "), ")");
}

}  // namespace spikebench::text
