#pragma once
// BLEU tokenizers with sacrebleu's names and behaviour (sacrebleu v2.6.0, sacrebleu/tokenizers/):
// `13a` (mteval-v13a.pl, the WMT default), `intl` (mteval-v14 international), `none`, `char`.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace spikebench::text {

/// Maps one (already lowercased, right-stripped) segment to its tokenized form: tokens joined by
/// single spaces, as sacrebleu's tokenizers return. Input must be valid UTF-8.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::string operator()(std::string_view line) const = 0;
  /// The `tok:` value of the BLEU signature (e.g. "13a").
  virtual std::string signature() const = 0;
};

/// Tokenizer13a: mteval-v13a.pl as in sacrebleu's tokenizer_13a.py + tokenizer_re.py.
class Tokenizer13a final : public Tokenizer {
 public:
  std::string operator()(std::string_view line) const override;
  std::string signature() const override { return "13a"; }
};

/// TokenizerV14International: sacrebleu's tokenizer_intl.py (Unicode \p{P}, \p{S}, \p{N}).
class TokenizerIntl final : public Tokenizer {
 public:
  std::string operator()(std::string_view line) const override;
  std::string signature() const override { return "intl"; }
};

/// NoneTokenizer: the line unchanged (n-grams still split on Python whitespace).
class TokenizerNone final : public Tokenizer {
 public:
  std::string operator()(std::string_view line) const override { return std::string(line); }
  std::string signature() const override { return "none"; }
};

/// TokenizerChar: every code point becomes a token (whitespace code points disappear).
class TokenizerChar final : public Tokenizer {
 public:
  std::string operator()(std::string_view line) const override;
  std::string signature() const override { return "char"; }
};

/// The tokenizer names make_tokenizer accepts.
std::vector<std::string> tokenizer_names();
/// Builds a tokenizer by sacrebleu name; an unknown name is an Error listing the known ones.
std::unique_ptr<Tokenizer> make_tokenizer(const std::string& name);

}  // namespace spikebench::text
