// Token shards and the sequence sampler: prepare -> open round trip (oracle: encode_ordinary of
// each document + EOS), thread-count independence, and resumable, seed-determined order.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "datasets/document.h"
#include "datasets/sampler.h"
#include "datasets/sha256.h"
#include "datasets/shards.h"
#include "tests/datasets/oracle.h"

using namespace spikebench::datasets;
using spikebench::datasets::testing::data_dir;
using spikebench::datasets::testing::gpt2;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) : path(fs::temp_directory_path() / name) {
    fs::remove_all(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

const fs::path& c4_sample() {
  static const fs::path p = data_dir() / "c4" / "c4-olmo-test-fixture.00000-of-00001.json.gz";
  return p;
}

PrepareOptions c4_options(const fs::path& out, unsigned threads) {
  PrepareOptions o;
  o.format = "c4";
  o.inputs = {c4_sample()};
  o.out_dir = out;
  o.valid_fraction = 0.05;
  o.shard_tokens = 200000;  // several shards per split
  o.threads = threads;
  return o;
}

}  // namespace

TEST_CASE("prepare -> TokenShards round trip on the OLMo C4 sample", "[shards]") {
  TempDir a("spikebench_shards_a"), b("spikebench_shards_b");
  auto sum = prepare_shards(gpt2(), c4_options(a.path / "out", 2));
  REQUIRE(sum.documents[0] + sum.documents[1] == 1000);
  CHECK(sum.documents[1] > 0);
  CHECK(!fs::exists(a.path / "out.partial"));

  // Oracle: the same documents encoded one by one, EOS after each, in input order per split.
  std::vector<int32_t> expect[2];
  JsonlSource src({c4_sample()});
  Document doc;
  while (src.next(doc)) {
    int s = in_valid_split(doc.text, 0.05);
    auto ids = gpt2().encode_ordinary(doc.text);
    expect[s].insert(expect[s].end(), ids.begin(), ids.end());
    expect[s].push_back(Gpt2Tokenizer::kEndOfText);
  }
  const char* names[2] = {"train", "valid"};
  for (int s = 0; s < 2; ++s) {
    auto shards = TokenShards::open(a.path / "out", names[s], gpt2().fingerprint());
    CAPTURE(names[s]);
    REQUIRE(shards.num_tokens() == expect[s].size());
    CHECK(shards.num_documents() == sum.documents[s]);
    std::vector<int32_t> all(shards.num_tokens());
    shards.copy(0, all.size(), all.data());
    CHECK(all == expect[s]);
  }
  CHECK(TokenShards::open(a.path / "out").shards().size() > 1);

  SECTION("1 thread writes byte-identical shards") {
    auto sum1 = prepare_shards(gpt2(), c4_options(b.path / "out", 1));
    REQUIRE(sum1.files == sum.files);
    for (const auto& f : sum.files)
      CHECK(sha256_file(a.path / "out" / f) == sha256_file(b.path / "out" / f));
  }
  SECTION("a shard from another tokenizer is refused") {
    CHECK_THROWS_WITH(TokenShards::open(a.path / "out", "train", std::string(64, '0')),
                      Catch::Contains("made by tokenizer"));
  }
  SECTION("a truncated shard is refused") {
    auto f = a.path / "out" / sum.files[0];
    fs::resize_file(f, fs::file_size(f) - 8);
    CHECK_THROWS_WITH(TokenShards::open(a.path / "out"), Catch::Contains("truncated"));
  }
  SECTION("an existing output directory is not overwritten by default") {
    CHECK_THROWS_WITH(prepare_shards(gpt2(), c4_options(a.path / "out", 1)),
                      Catch::Contains("already exists"));
  }
}

TEST_CASE("SequenceSampler: seeded order, one pass per epoch, exact resume", "[sampler]") {
  TempDir dir("spikebench_sampler");
  auto opt = c4_options(dir.path / "out", 2);
  opt.valid_fraction = 0;
  prepare_shards(gpt2(), opt);
  auto shards = TokenShards::open(dir.path / "out");
  const size_t seq = 64, batch = 4;
  SequenceSampler s(shards, seq, batch, /*seed=*/1234);
  REQUIRE(s.blocks_per_epoch() == (shards.num_tokens() - 1) / seq);

  SECTION("rows are the stream at multiples of seq_len") {
    std::vector<int32_t> tokens, expect(seq + 1);
    s.next(tokens);
    REQUIRE(tokens.size() == batch * (seq + 1));
    // Find each row in the stream: its first token offset is k * seq for some k.
    std::vector<int32_t> all(shards.num_tokens());
    shards.copy(0, all.size(), all.data());
    for (size_t r = 0; r < batch; ++r) {
      bool found = false;
      for (uint64_t k = 0; k < s.blocks_per_epoch() && !found; ++k)
        found = std::equal(tokens.begin() + long(r * (seq + 1)),
                           tokens.begin() + long((r + 1) * (seq + 1)), all.begin() + long(k * seq));
      CHECK(found);
    }
  }
  SECTION("resume from state() reproduces the same batches") {
    std::vector<int32_t> t;
    for (int i = 0; i < 5; ++i) s.next(t);
    SamplerState saved = s.state();
    std::vector<std::vector<int32_t>> after(3);
    for (auto& a : after) s.next(a);
    SequenceSampler r(shards, seq, batch, /*seed=*/999);
    r.restore(saved);
    CHECK(r.state() == saved);
    for (auto& a : after) {
      r.next(t);
      CHECK(t == a);
    }
  }
  SECTION("same seed same order, other seed other order") {
    SequenceSampler same(shards, seq, batch, 1234), other(shards, seq, batch, 1235);
    std::vector<int32_t> x, y, z;
    s.next(x), same.next(y), other.next(z);
    CHECK(x == y);
    CHECK(x != z);
  }
  SECTION("an epoch visits every block exactly once, then the epoch counter advances") {
    SequenceSampler one(shards, seq, /*batch=*/1, 7);
    std::vector<int32_t> all(shards.num_tokens()), t;
    shards.copy(0, all.size(), all.data());
    std::set<std::vector<int32_t>> seen;
    for (uint64_t i = 0; i < one.blocks_per_epoch(); ++i) {
      one.next(t);
      seen.insert(t);
    }
    CHECK(one.state().epoch == 0);
    CHECK(one.state().position == one.blocks_per_epoch());
    one.next(t);
    CHECK(one.state().epoch == 1);
    CHECK(one.state().position == 1);
    // Distinct blocks can repeat in content only if the text repeats; the sample has none.
    CHECK(seen.size() == one.blocks_per_epoch());
  }
  SECTION("restore rejects a position past the epoch") {
    CHECK_THROWS_WITH(s.restore({1234, 0, s.blocks_per_epoch() + 1}),
                      Catch::Contains("past the epoch"));
  }
}
