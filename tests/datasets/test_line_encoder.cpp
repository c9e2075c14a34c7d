// LineEncoder (`spikebench encode`'s per-line mode): the output equals tiktoken's ids line for
// line (LAMBADA oracle, MANIFEST §7) and the serial loop's bytes, whatever the threads and batch
// size; an invalid line is reported with its line and column, and nothing of its batch is written.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "datasets/line_encoder.h"
#include "datasets/text_io.h"
#include "tests/datasets/oracle.h"

using namespace spikebench::datasets;
using spikebench::datasets::testing::data_dir;
using spikebench::datasets::testing::gpt2;
using spikebench::datasets::testing::oracle_dir;

namespace {

std::string encode_lines(const std::vector<std::string>& lines, LineEncoder::Options options) {
  std::string out;
  LineEncoder encoder(gpt2(), "in.txt", options, [&](std::string_view s) { out.append(s); });
  for (const auto& line : lines) encoder.add(line);
  encoder.finish();
  return out;
}

}  // namespace

TEST_CASE("per-line encode equals tiktoken on the LAMBADA passages without a newline",
          "[bpe][oracle]") {
  LineReader source(data_dir() / "lambada" / "lambada_test.jsonl");
  LineReader oracle(oracle_dir() / "lambada_test.gpt2-ids.jsonl.gz");
  std::vector<std::string> lines;
  std::string expect;
  std::string_view line;
  while (source.next(line)) {
    std::string text = nlohmann::json::parse(line).at("text");
    REQUIRE(oracle.next(line));
    if (text.find('\n') != std::string::npos) continue;  // one passage must be one input line
    lines.push_back(std::move(text));
    append_ids(nlohmann::json::parse(line).at("ids").get<std::vector<int32_t>>(), expect);
  }
  REQUIRE(lines.size() == 511);
  const auto [threads, batch] = GENERATE(table<unsigned, size_t>({{1, 4u << 20}, {3, 1}}));
  CAPTURE(threads, batch);
  CHECK(encode_lines(lines, {threads, false, batch}) == expect);
}

TEST_CASE("per-line encode equals the serial loop on WikiText-103 test, any threads and batch",
          "[bpe]") {
  LineReader source(data_dir() / "wikitext" / "wiki.test.tokens");
  std::vector<std::string> lines;
  std::string expect;
  std::string_view line;
  while (source.next(line)) {
    lines.emplace_back(line);
    append_ids(gpt2().encode_ordinary(line), expect);
  }
  REQUIRE(lines.size() > 4000);
  // batch_bytes 1: every line is its own batch (deepest pipelining); 777: batches of a few lines.
  const auto [threads, batch] = GENERATE(
      table<unsigned, size_t>({{1, 4u << 20}, {2, 1}, {3, 777}, {4, 64u << 10}, {0, 4u << 20}}));
  CAPTURE(threads, batch);
  CHECK(encode_lines(lines, {threads, false, batch}) == expect);
}

TEST_CASE("per-line encode equals the serial loop, special tokens and empty lines included",
          "[bpe]") {
  const std::vector<std::string> lines{"", "a<|endoftext|>b",   "<|endoftext|>",
                                       "", "  héllo   wörld  ", "x<|endoftext|>"};
  for (bool special : {false, true}) {
    std::string expect;
    for (const auto& l : lines) append_ids(gpt2().encode(l, special), expect);
    CAPTURE(special);
    CHECK(encode_lines(lines, {2, special, 1}) == expect);
    CHECK(encode_lines(lines, {1, special, 1 << 20}) == expect);
  }
  CHECK(encode_lines({}, {2, false, 1}).empty());
}

TEST_CASE("per-line encode: invalid UTF-8 names line and column, its batch unwritten", "[bpe]") {
  std::vector<std::string> lines;
  std::string before;  // output of the lines before the bad one
  for (int i = 1; i <= 100; ++i) {
    lines.push_back("line " + std::to_string(i) + " of the input");
    if (i < 57) append_ids(gpt2().encode_ordinary(lines.back()), before);
  }
  lines[56] = "abc\xFF tail";  // line 57, column 4
  const auto [threads, batch] =
      GENERATE(table<unsigned, size_t>({{1, 1}, {3, 200}, {2, 1u << 20}}));
  CAPTURE(threads, batch);
  std::string out;
  try {
    LineEncoder encoder(gpt2(), "in.txt", {threads, false, batch},
                        [&](std::string_view s) { out.append(s); });
    for (const auto& line : lines) encoder.add(line);
    encoder.finish();
    FAIL("no error");
  } catch (const spikebench::Error& e) {
    CHECK(std::string(e.what()) == "in.txt:57:4: invalid UTF-8 (byte 0xFF)");
  }
  CHECK(out.size() <= before.size());  // a prefix of the good lines' output: never line 57
  CHECK(before.compare(0, out.size(), out) == 0);
  if (batch == 1) CHECK(out == before);  // one line a batch: every line before 57 was written
}
