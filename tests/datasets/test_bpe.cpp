// GPT-2 BPE vs tiktoken: every oracle in shared/data/oracles/gpt2_tokenizer (MANIFEST §7) must
// match id for id (tolerance: none) and decode back to the input bytes.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "datasets/bpe.h"
#include "datasets/pretokenize.h"
#include "datasets/sha256.h"
#include "datasets/text_io.h"
#include "tests/datasets/oracle.h"

using namespace spikebench::datasets;
using spikebench::datasets::testing::data_dir;
using spikebench::datasets::testing::gpt2;
using spikebench::datasets::testing::oracle_dir;

namespace {

std::vector<int32_t> read_id_lines(const std::filesystem::path& path) {
  std::vector<int32_t> ids;
  LineReader r(path);
  std::string_view line;
  while (r.next(line)) ids.push_back(std::stoi(std::string(line)));
  return ids;
}

std::vector<std::string> pieces(std::string_view text) {
  std::vector<std::string> out;
  for_each_pretoken(text, [&](size_t b, size_t e) { out.emplace_back(text.substr(b, e - b)); });
  return out;
}

}  // namespace

TEST_CASE("sha256 matches the MANIFEST hashes of the vocabulary files", "[bpe]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_file(data_dir() / "gpt2" / "encoder.json") == kGpt2EncoderJsonSha256);
  CHECK(sha256_file(data_dir() / "gpt2" / "vocab.bpe") == kGpt2VocabBpeSha256);
}

TEST_CASE("pre-tokenizer splits as the gpt2 regex", "[bpe]") {
  using V = std::vector<std::string>;
  CHECK(pieces("Hello world's  end!!\n\n x") ==
        V{"Hello", " world", "'s", " ", " end", "!!", "\n\n", " x"});
  CHECK(pieces("a   ") == V{"a", "   "});            // trailing run kept whole
  CHECK(pieces("a \tb") == V{"a", " ", "\t", "b"});  // last space left for ' ?'
  CHECK(pieces("I'LL we've 'sam") == V{"I", "'", "LL", " we", "'ve", " '", "sam"});
  CHECK(pieces("x123 4.5") == V{"x", "123", " 4", ".", "5"});
  CHECK(pieces("\xEF\xBB\xBFhi") == V{"\xEF\xBB\xBF", "hi"});        // U+FEFF is not \s
  CHECK(pieces("a\xE3\x80\x80 b") == V{"a", "\xE3\x80\x80", " b"});  // U+3000 is \s
}

TEST_CASE("tiktoken's own gpt2 test vectors", "[bpe][oracle]") {
  const auto path = oracle_dir() / "tiktoken_gpt2_vectors.json";
  auto j = nlohmann::json::parse(read_text_file(path));
  size_t n = 0;
  for (const auto& c : j.at("cases")) {
    const std::string text = c.at("text");
    const bool special = c.contains("allowed_special");
    CAPTURE(path.string(), text, special);
    CHECK(gpt2().encode(text, special) == c.at("ids").get<std::vector<int32_t>>());
    CHECK(gpt2().decode(gpt2().encode(text, special)) == text);
    ++n;
  }
  CHECK(n == 20);
}

TEST_CASE("llama.cpp ggml-vocab-gpt-2 vectors", "[bpe][oracle]") {
  const auto path = oracle_dir() / "llamacpp_ggml-vocab-gpt-2_vectors.json";
  auto j = nlohmann::json::parse(read_text_file(path));
  REQUIRE(j.size() == 46);
  for (const auto& c : j) {
    const std::string text = c.at("text");
    CAPTURE(path.string(), text);
    CHECK(gpt2().encode_ordinary(text) == c.at("ids").get<std::vector<int32_t>>());
    CHECK(gpt2().decode(gpt2().encode_ordinary(text)) == text);
  }
}

TEST_CASE("every LAMBADA line equals tiktoken", "[bpe][oracle]") {
  const auto oracle = oracle_dir() / "lambada_test.gpt2-ids.jsonl.gz";
  const auto source = data_dir() / "lambada" / "lambada_test.jsonl";
  LineReader o(oracle), s(source);
  std::string_view line;
  size_t lines = 0, mismatches = 0, tokens = 0;
  BpeCache cache;
  while (s.next(line)) {
    const std::string text = nlohmann::json::parse(line).at("text");
    REQUIRE(o.next(line));
    auto expect = nlohmann::json::parse(line);
    REQUIRE(expect.at("line") == s.line_number());
    std::vector<int32_t> ids;
    gpt2().encode_ordinary(text, ids, &cache);
    tokens += ids.size();
    if (ids != expect.at("ids").get<std::vector<int32_t>>() || gpt2().decode(ids) != text) {
      ++mismatches;
      UNSCOPED_INFO(source.string()
                    << ":" << s.line_number() << " differs from " << oracle.string());
    }
    ++lines;
  }
  CHECK(lines == 5153);
  CHECK(tokens == 430230);
  CHECK(mismatches == 0);
}

TEST_CASE("whole WikiText-103 test and valid files equal tiktoken", "[bpe][oracle]") {
  auto split = GENERATE(as<std::string>{}, "test", "valid");
  const auto source = data_dir() / "wikitext" / ("wiki." + split + ".tokens");
  const auto oracle = oracle_dir() / ("wikitext103.wiki." + split + ".tokens.gpt2-ids.txt.gz");
  CAPTURE(source.string(), oracle.string());
  const std::string text = read_text_file(source);
  const auto expect = read_id_lines(oracle);
  const auto ids = gpt2().encode_ordinary(text);
  CHECK(ids.size() == (split == "test" ? 285234u : 249735u));
  CHECK(ids == expect);
  CHECK(gpt2().decode(ids) == text);
  SECTION("2-thread encode is identical") { CHECK(gpt2().encode_parallel(text, 2) == expect); }
}

TEST_CASE("long pieces (heap merge path) equal tiktoken", "[bpe][oracle]") {
  // Oracle: tiktoken 0.14.0 encode_ordinary with the gpt2 ranks built from the local files
  // (scripts/bench-tokenizer.sh builds the same Encoding), run once and written out here.
  // Pieces longer than 128 bytes take the O(n log n) heap merge; shorter ones the array merge.
  auto repeat = [](std::vector<int32_t> unit, size_t times) {
    std::vector<int32_t> out;
    for (size_t i = 0; i < times; ++i) out.insert(out.end(), unit.begin(), unit.end());
    return out;
  };
  auto concat = [](std::vector<int32_t> a, const std::vector<int32_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  std::string dashes;  // 300 symbols, 900 bytes: one "other" piece
  for (int i = 0; i < 300; ++i) dashes += (i % 3 ? "\xE2\x80\x94" : "\xE2\x80\xA2");  // — •
  std::string mix;
  for (int i = 0; i < 100; ++i) mix += "=-";
  mix += " ";
  for (int i = 0; i < 50; ++i) mix += "aA1";
  mix += "\xE3\x80\x80\xE3\x80\x80z \xEF\xBB\xBF\xEF\xBB\xBFq\t\t\n";  // U+3000 x2, U+FEFF x2
  const std::vector<std::pair<std::string, std::vector<int32_t>>> cases = {
      {dashes, repeat({3581, 4500}, 100)},  // "•" then "——"
      {std::string(129, 'x'), concat(repeat({24223}, 16), {87})},
      {std::string(128, 'x'), repeat({24223}, 16)},
      {mix, concat(concat(concat(repeat({46402}, 12), {27584, 257}),
                          concat(repeat({32, 16, 64}, 49), {32, 16})),
                   {5099, 222, 5099, 222, 89, 27332, 119, 123, 171, 119, 123, 80, 197, 197, 198})},
  };
  for (const auto& [text, ids] : cases) {
    CAPTURE(text.size());
    CHECK(gpt2().encode_ordinary(text) == ids);
    CHECK(gpt2().decode(ids) == text);
  }
}
