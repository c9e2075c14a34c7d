// Hand cases for the 13a / intl / char tokenizers and the Python-string helpers they rely on.
// Oracle: the expected strings are what sacrebleu 2.6.0's Tokenizer13a / TokenizerV14International
// return for the same input (run once with `python -c`, recorded here); comparison is exact.
#include <catch2/catch.hpp>
#include <string>

#include "core/error.h"
#include "metrics/tokenizer.h"
#include "metrics/unicode.h"

using namespace spikebench::text;

TEST_CASE("13a tokenizer matches sacrebleu's mteval-v13a regexes", "[bleu][tokenizer]") {
  const Tokenizer13a tok;
  auto [input, expected] = GENERATE(table<std::string, std::string>({
      // SGML entities are unescaped (&quot; first, then &amp;, so &amp;quot; stays one level).
      {"He said &quot;no&quot; &amp; left.", "He said \" no \" & left ."},
      {"&amp;quot; <skipped> a-\nb", "& quot ; ab"},
      // Period and comma stay inside numbers; a final period is split off (line is padded).
      {"Costs rose 3.5% to 1,000 in 2014.", "Costs rose 3.5 % to 1,000 in 2014 ."},
      {"e.g. .5 and 5. end", "e . g . . 5 and 5 . end"},
      // A dash is split only after a digit; "--" and word-internal dashes stay.
      {"A 33-year-old man -- the 1990-2000 era.", "A 33 - year-old man -- the 1990 - 2000 era ."},
      // Non-overlapping matches: the second '.' of "a.." is handled by the next rule.
      {"a..b,,c", "a . . b , , c"},
      {"Mr. Smith, Jr.,ok.x", "Mr . Smith , Jr . , ok . x"},
      // ASCII symbols are split, apostrophes are not.
      {"don't {x} [y] @home ~/x a/b", "don't { x } [ y ] @ home ~ / x a / b"},
      // Non-ASCII letters next to '.' and ',', and Unicode whitespace (NBSP, thin space).
      {"\xC3\xBC"
       "ber.Stra\xC3\x9F"
       "e,5",
       "\xC3\xBC"
       "ber . Stra\xC3\x9F"
       "e , 5"},
      {"Zahl\xC2\xA0"
       "100\xE2\x80\x89"
       "000 ist",
       "Zahl 100 000 ist"},
      {"", ""},
  }));
  CAPTURE(input);
  CHECK(tok(input) == expected);
}

TEST_CASE("intl tokenizer splits Unicode punctuation and symbols", "[bleu][tokenizer]") {
  const TokenizerIntl tok;
  auto [input, expected] = GENERATE(table<std::string, std::string>({
      {"Costs rose 3.5% to 1,000 in 2014.", "Costs rose 3.5 % to 1,000 in 2014."},
      {"\xC2\xABHallo\xC2\xBB, sagte er\xE2\x80\xA6 \xE2\x82\xAC"
       "5 +3",
       "\xC2\xAB Hallo \xC2\xBB , sagte er \xE2\x80\xA6 \xE2\x82\xAC 5 + 3"},
      {"a..b", "a . . b"},
      {"2014.", "2014."},  // mteval-v14's known quirk: no padding, so the final dot stays
      {"x\xE2\x80\x94y \xC2\xBFQu\xC3\xA9?", "x \xE2\x80\x94 y \xC2\xBF Qu\xC3\xA9 ?"},
  }));
  CAPTURE(input);
  CHECK(tok(input) == expected);
}

TEST_CASE("char and none tokenizers, factory names", "[bleu][tokenizer]") {
  CHECK(TokenizerChar()("ab c\xC3\xA4") == "a b   c \xC3\xA4");  // " ".join(line)
  CHECK(TokenizerNone()(" a  b ") == " a  b ");
  CHECK(make_tokenizer("13a")->signature() == "13a");
  CHECK(make_tokenizer("intl")->signature() == "intl");
  CHECK_THROWS_AS(make_tokenizer("zh"), spikebench::Error);
}

TEST_CASE("Python str helpers: split, rstrip, lower", "[bleu][unicode]") {
  // str.split() splits on U+0085, U+00A0, U+2000..U+200A, U+3000, ... but not on U+200B.
  const auto toks = py_split(
      "a\xC2\x85"
      "b\xE3\x80\x80"
      "c\xE2\x80\x8B"
      "d \t");
  REQUIRE(toks.size() == 3);
  CHECK(toks[2] ==
        "c\xE2\x80\x8B"
        "d");
  CHECK(py_rstrip("ab \xC2\xA0\r") == "ab");
  CHECK(py_rstrip("\xC2\xA0") == "");
  // 'ΣΑΣ ΌΔΟΣ İx ẞ'.lower() == 'σας όδος i̇x ß' (Final_Sigma, İ → i + U+0307).
  CHECK(py_lower(
            "\xCE\xA3\xCE\x91\xCE\xA3 \xCE\x8C\xCE\x94\xCE\x9F\xCE\xA3 \xC4\xB0x \xE1\xBA\x9E") ==
        "\xCF\x83\xCE\xB1\xCF\x82 \xCF\x8C\xCE\xB4\xCE\xBF\xCF\x82 i\xCC\x87x \xC3\x9F");
  CHECK(utf8_find_invalid("ok\xC3") == 2);
  CHECK(utf8_find_invalid("\xED\xA0\x80") == 0);  // a surrogate is not valid UTF-8
}
