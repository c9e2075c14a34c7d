// The signature, score line and JSON object in sacrebleu 2.6.0's exact text (recorded from
// `sacrebleu.BLEU().corpus_score(...).format(width, False, signature, is_json)`), plus the
// zero-statistics edge cases of the score formula.
#include <catch2/catch.hpp>
#include <string>

#include "core/error.h"
#include "metrics/bleu.h"

using namespace spikebench::text;

namespace {
const std::vector<std::string> kHyps = {"The dog bit the man.", "It wasn't surprising."};
const std::vector<std::vector<std::string>> kRefs = {
    {"The dog bit the man.", "It was not unexpected."}};
}  // namespace

TEST_CASE("signature strings", "[bleu][format]") {
  CHECK(Bleu().signature(1) == "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0");
  BleuOptions o;
  o.smooth_method = "floor";
  o.lowercase = true;
  o.tokenize = "intl";
  CHECK(Bleu(o).signature(1) == "nrefs:1|case:lc|eff:no|tok:intl|smooth:floor[0.10]|version:2.6.0");
  o.smooth_method = "add-k";
  o.effective_order = true;
  CHECK(Bleu(o).signature(-1) ==
        "nrefs:var|case:lc|eff:yes|tok:intl|smooth:add-k[1.00]|version:2.6.0");
  o.smooth_method = "bogus";
  CHECK_THROWS_AS(Bleu(o), spikebench::Error);
}

TEST_CASE("score line and JSON as sacrebleu's command line prints them", "[bleu][format]") {
  Bleu bleu;
  const BleuScore s = bleu.corpus_score(kHyps, kRefs);
  const std::string sig = bleu.signature(1);
  CHECK(format_score_line(s, sig, 1) ==
        "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 64.0 "
        "80.0/62.5/66.7/75.0 (BP = 0.905 ratio = 0.909 hyp_len = 10 ref_len = 11)");
  CHECK(format_score_json(s, sig, 2) ==
        "{\n"
        " \"name\": \"BLEU\",\n"
        " \"score\": 63.98,\n"
        " \"signature\": \"nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0\",\n"
        " \"verbose_score\": \"80.0/62.5/66.7/75.0 (BP = 0.905 ratio = 0.909 hyp_len = 10 "
        "ref_len = 11)\",\n"
        " \"nrefs\": \"1\",\n"
        " \"case\": \"mixed\",\n"
        " \"eff\": \"no\",\n"
        " \"tok\": \"13a\",\n"
        " \"smooth\": \"exp\",\n"
        " \"version\": \"2.6.0\"\n"
        "}");
}

TEST_CASE("zero statistics and empty input", "[bleu][edge]") {
  Bleu bleu;
  SECTION("empty hypotheses: score 0, BP 0, ratio 0") {
    const BleuScore s = bleu.corpus_score({"", ""}, kRefs);
    CHECK(s.score == 0.0);
    CHECK(s.bp == 0.0);
    CHECK(s.sys_len == 0);
    CHECK(s.verbose() == "0.0/0.0/0.0/0.0 (BP = 0.000 ratio = 0.000 hyp_len = 0 ref_len = 11)");
  }
  SECTION("empty corpus") {
    const BleuScore s = bleu.corpus_score({}, {{}});
    CHECK(s.score == 0.0);
    CHECK(s.ratio() == 0.0);
  }
  SECTION("identical corpus is 100 (up to exp(log 100); sacrebleu: 100.00000000000004)") {
    const BleuScore s = bleu.corpus_score(kRefs[0], kRefs);
    CHECK_THAT(s.score, Catch::Matchers::WithinAbs(100.0, 1e-12));
  }
  SECTION("line-count mismatch is an error") {
    CHECK_THROWS_AS(bleu.corpus_score({"a"}, kRefs), spikebench::Error);
  }
  SECTION("multiple references: clipped by the max count, closest length wins ties short") {
    // hyp "a a a b" vs refs "a b" / "a a c d e": unigram a clipped at 2, b at 1 → 3 of 4.
    const BleuScore s = bleu.corpus_score({"a a a b"}, {{"a b"}, {"a a c d e"}});
    CHECK(s.counts[0] == 3.0);
    CHECK(s.totals[0] == 4.0);
    CHECK(s.ref_len == 5);  // |4-2| = 2 vs |4-5| = 1
    const BleuScore t = bleu.corpus_score({"a b c"}, {{"a b"}, {"a b c d"}});
    CHECK(t.ref_len == 2);  // tie 1 vs 1: the shorter
  }
}
