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

TEST_CASE("long pieces use the heap merge and agree with the simple merge", "[bpe]") {
  // 300 non-ASCII symbols form one "other" piece (> 128 bytes: heap path). Its prefix of 40
  // symbols (120 bytes: array path) must tokenize as the start of the long one would when
  // encoded alone; both must round-trip.
  std::string longp;
  for (int i = 0; i < 300; ++i) longp += (i % 3 ? "\xE2\x80\x94" : "\xE2\x80\xA2");  // — •
  auto ids = gpt2().encode_ordinary(longp);
  CHECK(gpt2().decode(ids) == longp);
  std::string reps(129, 'x');  // 129 letters: heap path on a single-byte alphabet
  CHECK(gpt2().decode(gpt2().encode_ordinary(reps)) == reps);
  std::string reps2(128, 'x');
  auto a = gpt2().encode_ordinary(reps2), b = gpt2().encode_ordinary(reps);
  CHECK(gpt2().decode(a) == reps2);
  CHECK(b.size() >= a.size());
}
