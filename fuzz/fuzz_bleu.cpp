// sacrebleu-identical BLEU: the 13a, intl, char and none tokenizers and the corpus scorer on
// arbitrary hypothesis / reference text (lines split at '\n'; hypotheses and references split
// at the first NUL). The score lies in [0, 100]; invalid UTF-8 is an Error.
#include <cmath>
#include <vector>

#include "fuzz/fuzz_common.h"
#include "metrics/bleu.h"
#include "metrics/tokenizer.h"

using namespace spikebench;

namespace {
std::vector<std::string> lines(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t p; (p = s.find('\n', start)) != std::string_view::npos; start = p + 1)
    out.emplace_back(s.substr(start, p - start));
  out.emplace_back(s.substr(start));
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t cut = all.find('\0');
  auto hyps = lines(all.substr(0, cut));
  auto refs = cut == std::string_view::npos ? hyps : lines(all.substr(cut + 1));
  refs.resize(hyps.size());
  for (const auto& name : text::tokenizer_names()) {
    fuzz::expect_ok_or_error([&] {
      const auto tok = text::make_tokenizer(name);
      for (const auto& h : hyps) (void)(*tok)(h);
      text::BleuOptions o;
      o.tokenize = name;
      text::Bleu bleu(o);
      const auto s = bleu.corpus_score(hyps, {refs});
      if (!(s.score >= 0 && s.score <= 100 + 1e-9)) fuzz::property_failed("0 <= BLEU <= 100");
      const auto self = bleu.corpus_score(hyps, {hyps});
      if (!std::isfinite(self.score))
        fuzz::property_failed("BLEU of hyps against themselves is finite");
    });
  }
  return 0;
}
