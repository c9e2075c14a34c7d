// Shard files: writer (temp directory, renamed when complete), mmap reader, prepare pipeline
// (sequential reading, documents tokenized on N threads in batches, written in input order).
#include "datasets/shards.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.h"
#include "datasets/bpe.h"
#include "datasets/document.h"
#include "datasets/sha256.h"

namespace spikebench::datasets {
namespace {

constexpr char kMagic[8] = {'S', 'P', 'K', 'T', 'O', 'K', 'S', '\0'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kHeaderBytes = 128;
constexpr const char* kIndexName = "shards.json";

#pragma pack(push, 1)
struct Header {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;
  uint64_t num_tokens;
  uint64_t num_docs;
  uint32_t eos;
  uint32_t token_bytes;
  char fingerprint[64];
  char reserved[kHeaderBytes - 104];
};
#pragma pack(pop)
static_assert(sizeof(Header) == kHeaderBytes, "shard header is 128 bytes");

uint64_t index_offset(uint64_t num_tokens) { return (kHeaderBytes + 2 * num_tokens + 7) / 8 * 8; }

// Writes one shard: tokens streamed to disk, the document index and header at close.
class ShardWriter {
 public:
  ShardWriter(std::filesystem::path path, std::string fingerprint)
      : path_(std::move(path)),
        fingerprint_(std::move(fingerprint)),
        out_(path_, std::ios::binary) {
    if (!out_) fail(path_.string(), ": cannot create");
    Header zero{};
    out_.write(reinterpret_cast<const char*>(&zero), sizeof zero);
    doc_start_.push_back(0);
  }
  void add(const std::vector<int32_t>& ids) {
    buf_.clear();
    for (int32_t id : ids) buf_.push_back(static_cast<uint16_t>(id));
    buf_.push_back(static_cast<uint16_t>(Gpt2Tokenizer::kEndOfText));
    out_.write(reinterpret_cast<const char*>(buf_.data()), std::streamsize(buf_.size() * 2));
    tokens_ += buf_.size();
    doc_start_.push_back(tokens_);
  }
  uint64_t tokens() const { return tokens_; }
  uint64_t documents() const { return doc_start_.size() - 1; }
  void close() {
    static const char pad[8] = {};
    out_.write(pad, std::streamsize(index_offset(tokens_) - (kHeaderBytes + 2 * tokens_)));
    out_.write(reinterpret_cast<const char*>(doc_start_.data()),
               std::streamsize(doc_start_.size() * sizeof(uint64_t)));
    Header h{};
    std::memcpy(h.magic, kMagic, 8);
    h.version = kVersion;
    h.header_bytes = kHeaderBytes;
    h.num_tokens = tokens_;
    h.num_docs = documents();
    h.eos = uint32_t(Gpt2Tokenizer::kEndOfText);
    h.token_bytes = 2;
    std::memcpy(h.fingerprint, fingerprint_.data(), std::min<size_t>(64, fingerprint_.size()));
    out_.seekp(0);
    out_.write(reinterpret_cast<const char*>(&h), sizeof h);
    out_.close();
    if (!out_) fail(path_.string(), ": write failed (disk full?)");
  }

 private:
  std::filesystem::path path_;
  std::string fingerprint_;
  std::ofstream out_;
  std::vector<uint16_t> buf_;
  std::vector<uint64_t> doc_start_;
  uint64_t tokens_ = 0;
};

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

}  // namespace

// ---- Shard -------------------------------------------------------------------------------------

Shard Shard::open(const std::filesystem::path& path) {
  Shard s;
  s.path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) fail(path.string(), ": cannot open token shard: ", std::strerror(errno));
  struct stat st {};
  fstat(fd, &st);
  s.map_size_ = size_t(st.st_size);
  if (s.map_size_ < kHeaderBytes) {
    ::close(fd);
    fail(path.string(), ": not a token shard (", s.map_size_, " bytes)");
  }
  s.map_ = mmap(nullptr, s.map_size_, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (s.map_ == MAP_FAILED) s.map_ = nullptr, fail(path.string(), ": mmap failed");
  Header h;
  std::memcpy(&h, s.map_, sizeof h);
  if (std::memcmp(h.magic, kMagic, 8) != 0) fail(path.string(), ": not a spikebench token shard");
  if (h.version != kVersion || h.header_bytes != kHeaderBytes || h.token_bytes != 2)
    fail(path.string(), ": shard version ", h.version, " unsupported (expected ", kVersion, ")");
  // The counts come from the file: bound them before any arithmetic on them can wrap (a header
  // with num_docs near 2^61 made `need` overflow to the file size: found by fuzz_shard).
  if (h.num_tokens > s.map_size_ / 2 || h.num_docs >= s.map_size_ / sizeof(uint64_t))
    fail(path.string(), ": header counts (", h.num_tokens, " tokens, ", h.num_docs,
         " documents) exceed the file's ", s.map_size_, " bytes (corrupt?)");
  uint64_t need = index_offset(h.num_tokens) + (h.num_docs + 1) * sizeof(uint64_t);
  if (need != s.map_size_)
    fail(path.string(), ": size ", s.map_size_, " does not match its header (", need,
         " bytes expected; truncated?)");
  const auto* base = static_cast<const char*>(s.map_);
  s.tokens_ = reinterpret_cast<const uint16_t*>(base + kHeaderBytes);
  s.doc_start_ = reinterpret_cast<const uint64_t*>(base + index_offset(h.num_tokens));
  s.num_tokens_ = h.num_tokens;
  s.num_docs_ = h.num_docs;
  s.fingerprint_.assign(h.fingerprint, strnlen(h.fingerprint, 64));
  // Document d spans [doc_start(d), doc_start(d+1)): the index must run from 0 to num_tokens
  // without going back (an index entry past the end was found by fuzz_shard; one linear pass
  // over num_docs + 1 words, ~1 ms per million documents).
  if (s.doc_start_[0] != 0 || s.doc_start_[s.num_docs_] != s.num_tokens_)
    fail(path.string(), ": corrupt document index");
  for (uint64_t d = 0; d < s.num_docs_; ++d)
    if (s.doc_start_[d + 1] < s.doc_start_[d])
      fail(path.string(), ": corrupt document index (document ", d, " ends before it starts)");
  return s;
}

Shard::Shard(Shard&& o) noexcept { *this = std::move(o); }
Shard& Shard::operator=(Shard&& o) noexcept {
  if (this != &o) {
    if (map_) munmap(map_, map_size_);
    path_ = std::move(o.path_);
    map_ = std::exchange(o.map_, nullptr);
    map_size_ = o.map_size_;
    tokens_ = o.tokens_;
    doc_start_ = o.doc_start_;
    num_tokens_ = o.num_tokens_;
    num_docs_ = o.num_docs_;
    fingerprint_ = std::move(o.fingerprint_);
  }
  return *this;
}
Shard::~Shard() {
  if (map_) munmap(map_, map_size_);
}

// ---- TokenShards -------------------------------------------------------------------------------

TokenShards TokenShards::open(const std::filesystem::path& path, const std::string& split,
                              const std::string& expect_tokenizer) {
  TokenShards ts;
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path)) {
    const auto index = path / kIndexName;
    std::ifstream in(index);
    if (!in) fail(index.string(), ": missing (not a directory made by `spikebench prepare`?)");
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      fail(index.string(), ": ", e.what());
    }
    if (!j.contains("splits") || !j["splits"].contains(split))
      fail(index.string(), ": no split '", split, "'");
    for (const auto& f : j["splits"][split]["files"]) files.push_back(path / f.get<std::string>());
    if (files.empty()) fail(index.string(), ": split '", split, "' has no shards");
  } else {
    files.push_back(path);
  }
  for (const auto& f : files) {
    ts.shards_.push_back(Shard::open(f));
    const auto& s = ts.shards_.back();
    if (!expect_tokenizer.empty() && s.tokenizer_fingerprint() != expect_tokenizer)
      fail(f.string(), ": made by tokenizer ", s.tokenizer_fingerprint(), ", expected ",
           expect_tokenizer);
    ts.starts_.push_back(ts.total_);
    ts.total_ += s.num_tokens();
  }
  return ts;
}

uint64_t TokenShards::num_documents() const {
  uint64_t n = 0;
  for (const auto& s : shards_) n += s.num_documents();
  return n;
}

void TokenShards::copy(uint64_t offset, size_t n, int32_t* out) const {
  if (offset + n > total_)
    fail("token range [", offset, ", ", offset + n, ") past the end (", total_, ")");
  size_t k = size_t(std::upper_bound(starts_.begin(), starts_.end(), offset) - starts_.begin()) - 1;
  while (n > 0) {
    const Shard& s = shards_[k];
    uint64_t local = offset - starts_[k];
    size_t take = size_t(std::min<uint64_t>(n, s.num_tokens() - local));
    const uint16_t* src = s.tokens() + local;
    for (size_t i = 0; i < take; ++i) out[i] = src[i];
    out += take, offset += take, n -= take, ++k;
  }
}

// ---- prepare -----------------------------------------------------------------------------------

bool in_valid_split(const std::string& text, double valid_fraction) {
  return double(fnv1a64(text) % 1000000) < valid_fraction * 1e6;
}

namespace {

/// index.json: the tokenizer, the corpus, the split rule and each split's files with sha256.
void write_index(const Gpt2Tokenizer& tokenizer, const PrepareOptions& opt, PrepareSummary& sum,
                 const std::vector<std::string> (&files)[2], const std::filesystem::path& tmp) {
  const char* split_name[2] = {"train", "valid"};
  nlohmann::json index;
  index["format"] = "spikebench token shards";
  index["version"] = kVersion;
  index["tokenizer"] = {{"name", "gpt2"},
                        {"fingerprint", tokenizer.fingerprint()},
                        {"encoder_json_sha256", kGpt2EncoderJsonSha256},
                        {"vocab_bpe_sha256", kGpt2VocabBpeSha256}};
  index["eos"] = Gpt2Tokenizer::kEndOfText;
  index["corpus"] = {{"format", opt.format}, {"jsonl_field", opt.jsonl_field}};
  for (const auto& f : opt.inputs) index["corpus"]["inputs"].push_back(f.string());
  index["split_rule"] = "valid iff fnv1a64(utf8 text) % 1000000 < valid_fraction * 1e6";
  index["valid_fraction"] = opt.valid_fraction;
  for (int s = 0; s < 2; ++s) {
    auto& js = index["splits"][split_name[s]];
    js["documents"] = sum.documents[s];
    js["tokens"] = sum.tokens[s];
    js["files"] = nlohmann::json::array();
    for (const auto& f : files[s]) {
      js["files"].push_back(f);
      js["sha256"][f] = sha256_file(tmp / f);
      sum.files.push_back(f);
    }
  }
  {
    std::ofstream out(tmp / kIndexName);
    out << index.dump(2) << "\n";
    if (!out) fail((tmp / kIndexName).string(), ": write failed");
  }
}

PrepareSummary prepare_into(const Gpt2Tokenizer& tokenizer, const PrepareOptions& opt,
                            const std::function<void(uint64_t, uint64_t)>& progress,
                            const std::filesystem::path& tmp) {
  namespace fs = std::filesystem;

  auto source = open_source(opt.format, opt.inputs, opt.jsonl_field);
  const unsigned threads =
      opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<BpeCache> caches(threads);
  PrepareSummary sum;
  const char* split_name[2] = {"train", "valid"};
  std::unique_ptr<ShardWriter> writer[2];
  std::vector<std::string> files[2];
  auto close_writer = [&](int s) {
    if (!writer[s]) return;
    writer[s]->close();
    writer[s].reset();
  };
  auto writer_for = [&](int s) -> ShardWriter& {
    if (writer[s] && writer[s]->tokens() >= opt.shard_tokens) close_writer(s);
    if (!writer[s]) {
      char name[32];
      std::snprintf(name, sizeof name, "%s-%05zu.tok", split_name[s], files[s].size());
      files[s].push_back(name);
      writer[s] = std::make_unique<ShardWriter>(tmp / name, tokenizer.fingerprint());
    }
    return *writer[s];
  };

  constexpr size_t kBatchBytes = 8 << 20;
  std::vector<Document> batch;
  std::vector<std::vector<int32_t>> ids;
  for (bool more = true; more;) {
    batch.clear();
    size_t bytes = 0;
    Document doc;
    while (bytes < kBatchBytes && (more = source->next(doc))) {
      bytes += doc.text.size();
      batch.push_back(std::move(doc));
    }
    ids.assign(batch.size(), {});
    // Thread t encodes documents t, t + threads, ... (interleaved: balances long documents).
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        for (size_t d = t; d < batch.size(); d += threads)
          tokenizer.encode_ordinary(batch[d].text, ids[d], &caches[t]);
      });
    for (auto& th : pool) th.join();
    for (size_t d = 0; d < batch.size(); ++d) {
      int s = in_valid_split(batch[d].text, opt.valid_fraction) ? 1 : 0;
      writer_for(s).add(ids[d]);
      sum.documents[s] += 1;
      sum.tokens[s] += ids[d].size() + 1;
    }
    sum.bytes += bytes;
    if (progress) progress(source->bytes_read(), sum.tokens[0] + sum.tokens[1]);
  }
  close_writer(0);
  close_writer(1);
  if (sum.documents[0] + sum.documents[1] == 0) fail("prepare: the corpus has no documents");
  write_index(tokenizer, opt, sum, files, tmp);
  return sum;
}

}  // namespace

PrepareSummary prepare_shards(const Gpt2Tokenizer& tokenizer, const PrepareOptions& opt,
                              const std::function<void(uint64_t, uint64_t)>& progress) {
  namespace fs = std::filesystem;
  if (opt.out_dir.empty()) fail("prepare: no output directory");
  if (opt.valid_fraction < 0 || opt.valid_fraction > 1)
    fail("prepare: --valid-fraction must be in [0, 1]");
  if (fs::exists(opt.out_dir) && !opt.overwrite)
    fail(opt.out_dir.string(), ": already exists (pass --overwrite to replace it)");
  for (const auto& f : opt.inputs)
    if (!fs::is_regular_file(f)) fail(f.string(), ": no such file");
  fs::path tmp = opt.out_dir;
  tmp += ".partial";
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  PrepareSummary sum;
  try {
    sum = prepare_into(tokenizer, opt, progress, tmp);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);  // nothing half-written
    throw;
  }
  if (fs::exists(opt.out_dir)) fs::remove_all(opt.out_dir);
  fs::rename(tmp, opt.out_dir);
  return sum;
}

}  // namespace spikebench::datasets
