// Bad input gives a clear Error naming the file and line, and nothing half-written: invalid
// UTF-8, a jsonl line without "text", a truncated .gz, an empty file, a vocabulary with a wrong
// sha256, a failing prepare.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "core/error.h"
#include "datasets/bpe.h"
#include "datasets/document.h"
#include "datasets/shards.h"
#include "datasets/text_io.h"
#include "tests/datasets/oracle.h"

using namespace spikebench::datasets;
using spikebench::datasets::testing::data_dir;
using spikebench::datasets::testing::gpt2;
namespace fs = std::filesystem;

namespace {

fs::path write_file(const std::string& name, const std::string& bytes) {
  auto p = fs::temp_directory_path() / ("spikebench_err_" + name);
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

std::string read_all(JsonlSource& src) {
  Document doc;
  std::string all;
  while (src.next(doc)) all += doc.text;
  return all;
}

}  // namespace

TEST_CASE("invalid UTF-8 is an error with file, line and column", "[errors]") {
  auto p = write_file("bad_utf8.jsonl", "{\"text\": \"ok\"}\n{\"text\": \"b\xC3(\"}\n");
  JsonlSource src({p});
  CHECK_THROWS_WITH(read_all(src),
                    Catch::Contains(p.string() + ":2:12: invalid UTF-8 (byte 0xC3)"));
  CHECK_THROWS_WITH(gpt2().encode_ordinary("ab\xED\xA0\x80"),
                    Catch::Contains("invalid UTF-8 at byte offset 2"));
  CHECK_THROWS_WITH(gpt2().encode_ordinary("\xC0\xAF"),
                    Catch::Contains("invalid UTF-8"));  // overlong
}

TEST_CASE("a jsonl line without the text field names file:line and the keys", "[errors]") {
  auto p = write_file("no_text.jsonl", "{\"text\": \"a\"}\n\n{\"url\": \"x\", \"date\": \"d\"}\n");
  JsonlSource src({p});
  CHECK_THROWS_WITH(read_all(src),
                    Catch::Contains(p.string() + ":3: no string field 'text' (keys: date,url)"));
  auto q = write_file("not_json.jsonl", "{\"text\": \"a\"\n");
  JsonlSource src2({q});
  CHECK_THROWS_WITH(read_all(src2), Catch::Contains(q.string() + ":1: not a JSON object"));
}

TEST_CASE("a truncated .gz is an error, not a short corpus", "[errors]") {
  const std::string gz = read_text_file(data_dir() / "lambada" / "lambada_test.jsonl");
  // Compress the first 200 kB, then cut the compressed stream in half.
  uLongf size = compressBound(200000) + 64;
  std::string out(size, '\0');
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // gzip wrapper
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = 200000;
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = uInt(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out / 2);
  deflateEnd(&zs);
  auto p = write_file("truncated.jsonl.gz", out);
  JsonlSource src({p});
  CHECK_THROWS_WITH(read_all(src), Catch::Contains(p.string()) && Catch::Contains("truncated"));
  CHECK_THROWS_WITH(read_text_file(p), Catch::Contains("truncated"));
}

TEST_CASE("an empty file is an error", "[errors]") {
  auto p = write_file("empty.jsonl", "");
  CHECK_THROWS_WITH(JsonlSource({p}).next(*std::make_unique<Document>()),
                    Catch::Contains(p.string() + ": file is empty"));
  CHECK_THROWS_WITH(read_text_file(p), Catch::Contains("file is empty"));
}

TEST_CASE("a vocabulary file with the wrong sha256 is refused", "[errors]") {
  auto dir = fs::temp_directory_path() / "spikebench_err_vocab";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(data_dir() / "gpt2" / "encoder.json", dir / "encoder.json");
  std::string bpe = read_text_file(data_dir() / "gpt2" / "vocab.bpe");
  bpe[bpe.size() / 2] ^= 1;  // one flipped bit
  std::ofstream(dir / "vocab.bpe", std::ios::binary) << bpe;
  CHECK_THROWS_WITH(Gpt2Tokenizer::load(dir),
                    Catch::Contains((dir / "vocab.bpe").string() + ": sha256") &&
                        Catch::Contains(kGpt2VocabBpeSha256));
  // Without the pin, the merge-order check still catches a corrupted merge line.
  CHECK_THROWS_WITH(Gpt2Tokenizer::load(dir, /*verify_sha256=*/false),
                    Catch::Contains((dir / "vocab.bpe").string() + ":"));
  fs::remove_all(dir);
}

TEST_CASE("a malformed encoder.json is an error naming the file and the entry", "[errors]") {
  auto dir = fs::temp_directory_path() / "spikebench_err_encoder";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(data_dir() / "gpt2" / "vocab.bpe", dir / "vocab.bpe");
  const std::string real = read_text_file(data_dir() / "gpt2" / "encoder.json");
  std::string twin = real;  // the key of id 50255 replaced by id 0's: two ids, one token
  const std::string gazed = "\"\\u0120gazed\": 50255";
  REQUIRE(twin.find(gazed) != std::string::npos);
  twin.replace(twin.find(gazed), gazed.size(), "\"!\": 50255");
  const auto enc = dir / "encoder.json";
  for (const auto& [json, message] : std::vector<std::pair<std::string, std::string>>{
           {"[1]", "expected a JSON object of 50257 entries"},
           {"{\"!\": 0}", "expected a JSON object of 50257 entries"},
           {"{\"a\": 1.5}", "value of 'a' is not an integer id"},
           {"{\"a\": {\"b\": 1}}", "value of 'a' is not an integer id"},
           {"{\"!\": 0, \"x\": 0}", "id 0 of 'x' is out of range or repeated"},
           {"{\"!\": -3}", "id -3 of '!' is out of range or repeated"},
           {"{\"!\": 0", "not valid JSON"},
           {"{\"\\u0100\\u0100\\u0100\": 7, \"\\u0400\": 8}",
            "key '\xD0\x80' is not byte-level BPE"},
           {twin, "ids 0 and 50255 have the same token"}}) {
    std::ofstream(enc, std::ios::binary | std::ios::trunc) << json;
    CAPTURE(json.substr(0, 80));
    CHECK_THROWS_WITH(Gpt2Tokenizer::load(dir, /*verify_sha256=*/false),
                      Catch::StartsWith(enc.string() + ": ") && Catch::Contains(message));
  }
  // With the pin on, a wrong sha256 is reported before what is wrong inside the file.
  CHECK_THROWS_WITH(Gpt2Tokenizer::load(dir), Catch::Contains(enc.string() + ": sha256"));
  fs::remove_all(dir);
}

TEST_CASE("a failing prepare leaves no output directory", "[errors]") {
  auto bad = write_file("prepare_bad.jsonl", "{\"text\": \"fine\"}\n{\"txt\": \"oops\"}\n");
  auto out = fs::temp_directory_path() / "spikebench_err_prepare_out";
  fs::remove_all(out);
  PrepareOptions o;
  o.format = "jsonl";
  o.inputs = {bad};
  o.out_dir = out;
  CHECK_THROWS_WITH(prepare_shards(gpt2(), o), Catch::Contains(bad.string() + ":2:"));
  CHECK(!fs::exists(out));
  CHECK(!fs::exists(out.string() + ".partial"));
}
