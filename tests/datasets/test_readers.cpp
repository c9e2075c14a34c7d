// Readers: WikiText detokenizer and word counts (oracle: Megatron-LM's detokenizer.py and
// datasets.py definitions re-run with Python 3.11 `re`), LAMBADA split, C4 layouts, WMT plain vs
// SGML (oracle: the plain files are sacrebleu's extraction of the SGML, MANIFEST §5),
// WikiExtractor.
#include <catch2/catch.hpp>
#include <fstream>

#include "datasets/document.h"
#include "datasets/lambada.h"
#include "datasets/sha256.h"
#include "datasets/wikitext.h"
#include "datasets/wmt.h"
#include "tests/datasets/oracle.h"

using namespace spikebench::datasets;
using spikebench::datasets::testing::data_dir;

TEST_CASE("WikiText detokenizer on small cases (expected = Megatron-LM in Python)", "[wikitext]") {
  auto [raw, detok, megatron_words,
        ws_words] = GENERATE(table<std::string, std::string, size_t, size_t>({
      {" = Robert Boulter = \n", " = Robert Boulter =\n", 4, 4},
      {" The 2 @,@ 000 @-@ year @.@ 5 ( film ) , he said \" hello there \" . \n",
       " The 2,000-year.5 (film), he said \"hello there\".\n", 19, 19},
      {" the boys ' toys and John 's cat ' s ' \n", " the boys'toys and John's cat's'\n", 11, 11},
      {" = = Career = = \n = = = Sub = = = \n", " == Career ==\n=== Sub ===\n", 13, 12},
      {" 45 \xC2\xB0 C / ' 5/ N items ; ok ? yes ! [ a ] { b } \n",
       " 45\xC2\xB0"
       "C / ' 5/ 1 items; ok? yes! [a] {b}\n",
       19, 19},
      {" (a ( b ) c ) \n", " (a ( b) c )\n", 6, 6},
      {"a/' 5/b", "a/'[0-9]/b", 2, 2},
      {"", "", 1, 0},
  }));
  CAPTURE(raw);
  CHECK(wikitext_detokenize(raw) == detok);
  CHECK(megatron_num_original_tokens(raw) == megatron_words);
  CHECK(whitespace_word_count(raw) == ws_words);
}

TEST_CASE("WikiText-103 test/valid: Megatron counts and detokenized text", "[wikitext]") {
  // Oracle: Megatron-LM tasks/zeroshot_gpt (datasets.py num_original_tokens, detokenizer.py)
  // run in Python 3.11 on the same files; sha256 of the detokenized UTF-8. Tolerance: exact.
  // 245,566 = len(strip().split(" ")); the published 245,569 counts 241,211 words + 4,358 line
  // ends, i.e. a different definition (split(" ") joins "\n" with the next word).
  struct Expect {
    const char* file;
    size_t megatron, words;
    const char* sha;
  };
  auto e = GENERATE(values<Expect>({
      {"wiki.test.tokens", 245566, 241211,
       "bffd0e8b084837cd8fb9e939faed2c9fcd9d17c75b364e954af798b0c4d145b8"},
      {"wiki.valid.tokens", 217642, 213886,
       "ace8b5a940150e3c97929252bcf286e47ac0d4a52031383df27b95dfdb1a1a7b"},
  }));
  const auto path = data_dir() / "wikitext" / e.file;
  CAPTURE(path.string());
  auto set = load_wikitext(path);
  CHECK(set.num_original_tokens == e.megatron);
  CHECK(set.num_whitespace_words == e.words);
  CHECK(sha256_hex(set.text) == e.sha);
}

TEST_CASE("LAMBADA: 5,153 passages split at the last space", "[lambada]") {
  auto examples = read_lambada(data_dir() / "lambada" / "lambada_test.jsonl");
  REQUIRE(examples.size() == 5153);
  for (const auto& ex : examples) {
    REQUIRE(ex.context + " " + ex.last_word == ex.text);
    REQUIRE(ex.last_word.find(' ') == std::string::npos);
  }
  CHECK_THROWS_WITH(split_lambada("oneword", "x.jsonl:7"), Catch::Contains("x.jsonl:7"));
}

TEST_CASE("C4 JSON lines: allenai (timestamp) and AI2 (date) layouts", "[c4]") {
  auto file = GENERATE(as<std::string>{}, "c4-train.00000-of-01024.first1000.json.gz",
                       "c4-olmo-test-fixture.00000-of-00001.json.gz");
  CAPTURE(file);
  JsonlSource src({data_dir() / "c4" / file});
  Document doc;
  size_t n = 0, with_time = 0, with_url = 0;
  while (src.next(doc)) {
    ++n;
    with_time += !doc.timestamp.empty();
    with_url += doc.id.rfind("http", 0) == 0;
    REQUIRE(!doc.text.empty());
  }
  CHECK(n == 1000);
  CHECK(with_time == 1000);
  CHECK(with_url == 1000);
}

TEST_CASE("WMT newstest 2010-2016 load with the MANIFEST segment counts", "[wmt]") {
  auto [year, filtered, count] = GENERATE(table<int, bool, size_t>({{2010, true, 2489},
                                                                    {2011, true, 3003},
                                                                    {2012, true, 3003},
                                                                    {2013, true, 3000},
                                                                    {2014, true, 2737},
                                                                    {2014, false, 3003},
                                                                    {2015, true, 2169},
                                                                    {2016, true, 2999}}));
  auto set = read_wmt_newstest(data_dir(), year, filtered);
  CAPTURE(set.name);
  CHECK(set.source.size() == count);
  CHECK(set.reference.size() == count);
}

TEST_CASE("WMT14 SGML extraction equals the plain-text files (sacrebleu cleaning)", "[wmt]") {
  auto [sgm, plain] = GENERATE(
      table<std::string, std::string>({{"sgm/newstest2014-deen-src.en.sgm", "newstest2014.en"},
                                       {"sgm/newstest2014-deen-ref.de.sgm", "newstest2014.de"}}));
  CAPTURE(sgm);
  CHECK(read_sgml_segments(data_dir() / "wmt" / sgm) ==
        read_plain_segments(data_dir() / "wmt" / plain));
}

TEST_CASE("WikiExtractor shards: doc lines dropped, Nero (21632) excluded", "[wikipedia]") {
  auto path = std::filesystem::temp_directory_path() / "spikebench_test_wiki.txt";
  {
    std::ofstream out(path);
    out << "<doc id=\"1\" url=\"u\" title=\"A\">\nA\n\nFirst para.\n</doc>\n"
           "<doc id=\"21632\" url=\"u\" title=\"Nero\">\nNero\n\nEmperor.\n</doc>\n"
           "<doc id=\"3\" url=\"u\" title=\"C\">\nC\n\nThird.\n</doc>\n";
  }
  WikiExtractorSource src({path});
  Document doc;
  std::vector<std::string> texts, ids;
  while (src.next(doc)) texts.push_back(doc.text), ids.push_back(doc.id);
  std::filesystem::remove(path);
  CHECK(ids == std::vector<std::string>{"1", "3"});
  CHECK(texts == std::vector<std::string>{"A\n\nFirst para.\n", "C\n\nThird.\n"});
  CHECK(src.skipped() == 1);
}

TEST_CASE("Real Wikipedia shard AB: 6,466 articles, Nero excluded", "[wikipedia][.slow]") {
  WikiExtractorSource src({data_dir() / "corpora" / "enwiki-2015-wikiextractor" /
                           "enwiki-2015.wikiextractor.AB.txt.gz"});
  Document doc;
  size_t n = 0;
  while (src.next(doc)) ++n;
  CHECK(n == 6465);
  CHECK(src.skipped() == 1);
}
