// GPT-2 BPE: vocabulary loading and checks, byte-pair merging on ids, encode/decode.
// Merge rule (tiktoken `_byte_pair_merge`): repeatedly merge the adjacent pair whose
// concatenated bytes have the lowest rank (= GPT-2 id), leftmost on ties; a pre-token that is
// itself a vocabulary entry maps to that id directly.
#include "datasets/bpe.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <queue>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "datasets/pretokenize.h"
#include "datasets/sha256.h"
#include "datasets/utf8.h"

namespace spikebench::datasets {
namespace {

constexpr uint32_t kNoRank = 0xFFFFFFFFu;
constexpr std::string_view kEndOfTextText = "<|endoftext|>";

inline uint64_t hash_bytes(const unsigned char* p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t(n) * 0xFF51AFD7ED558CCDull);
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
  }
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  h = (h ^ w) * 0x94D049BB133111EBull;
  return h ^ (h >> 32);
}

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes map to themselves, the other 68 bytes to
// U+0100.. in byte order. Returns byte -> code point.
std::vector<uint32_t> bytes_to_unicode() {
  std::vector<uint32_t> map(256, 0);
  std::vector<bool> printable(256, false);
  for (int b = '!'; b <= '~'; ++b) printable[b] = true;
  for (int b = 0xA1; b <= 0xAC; ++b) printable[b] = true;
  for (int b = 0xAE; b <= 0xFF; ++b) printable[b] = true;
  uint32_t next = 256;
  for (int b = 0; b < 256; ++b) map[b] = printable[b] ? uint32_t(b) : next++;
  return map;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path.string(), ": cannot open (GPT-2 vocabulary file; see scripts/fetch-data.sh)");
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

/// GPT-2's byte-level alphabet inverted: code point -> byte (-1: not a byte's code point).
std::vector<int> unicode_to_bytes() {
  const std::vector<uint32_t> b2u = bytes_to_unicode();
  std::vector<int> u2b(512, -1);
  for (int b = 0; b < 256; ++b) u2b[b2u[b]] = b;
  return u2b;
}

/// encoder.json ({"<byte-level unicode string>": id, ...}) -> the bytes of each token, by id.
/// A SAX parse: the 50,257 entries go straight into `tokens`, with no JSON object built.
std::vector<std::string> parse_encoder_json(const std::string& text, const std::string& path) {
  struct Sax : nlohmann::json_sax<nlohmann::json> {
    const std::string& path;
    const std::vector<int> u2b = unicode_to_bytes();
    std::vector<std::string> tokens = std::vector<std::string>(Gpt2Tokenizer::kVocabSize);
    std::vector<bool> seen = std::vector<bool>(Gpt2Tokenizer::kVocabSize, false);
    std::string current_key;
    int depth = 0;
    size_t entries = 0;
    std::string error;

    explicit Sax(const std::string& p) : path(p) {}
    [[noreturn]] bool not_an_object() const {
      fail(path, ": expected a JSON object of ", Gpt2Tokenizer::kVocabSize, " entries");
    }
    [[noreturn]] bool not_an_id() const {
      if (depth != 1) not_an_object();
      fail(path, ": value of '", current_key, "' is not an integer id");
    }
    bool entry(int64_t id) {
      if (depth != 1) not_an_object();
      ++entries;
      if (id < 0 || id >= Gpt2Tokenizer::kVocabSize || seen[size_t(id)])
        fail(path, ": id ", id, " of '", current_key, "' is out of range or repeated");
      seen[size_t(id)] = true;
      if (id == Gpt2Tokenizer::kEndOfText) {
        if (current_key != kEndOfTextText) fail(path, ": id 50256 must be <|endoftext|>");
        tokens[size_t(id)] = std::string(kEndOfTextText);
        return true;
      }
      std::string& bytes = tokens[size_t(id)];
      for (size_t i = 0, len = 0; i < current_key.size(); i += len) {
        uint32_t cp =
            decode_utf8(reinterpret_cast<const unsigned char*>(current_key.data()) + i, len);
        if (cp >= u2b.size() || u2b[cp] < 0)
          fail(path, ": key '", current_key, "' is not byte-level BPE text");
        bytes += char(u2b[cp]);
      }
      return true;
    }
    bool number_integer(number_integer_t v) override { return entry(v); }
    bool number_unsigned(number_unsigned_t v) override {
      return entry(v > uint64_t(INT64_MAX) ? -1 : int64_t(v));
    }
    bool null() override { not_an_id(); }
    bool boolean(bool) override { not_an_id(); }
    bool number_float(number_float_t, const string_t&) override { not_an_id(); }
    bool string(string_t&) override { not_an_id(); }
    bool binary(binary_t&) override { not_an_id(); }
    bool start_array(std::size_t) override { not_an_id(); }
    bool end_array() override { not_an_id(); }
    bool start_object(std::size_t) override {
      if (depth != 0) not_an_id();
      return ++depth, true;
    }
    bool end_object() override { return --depth, true; }
    bool key(string_t& k) override { return current_key = std::move(k), true; }
    bool parse_error(std::size_t, const std::string&,
                     const nlohmann::detail::exception& e) override {
      error = e.what();
      return false;
    }
  } sax(path);
  if (!nlohmann::json::sax_parse(text, &sax) || !sax.error.empty())
    fail(path, ": not valid JSON: ", sax.error);
  if (sax.entries != size_t(Gpt2Tokenizer::kVocabSize)) sax.not_an_object();
  return std::move(sax.tokens);
}

}  // namespace

// ---- BpeCache ----------------------------------------------------------------------------------

const std::vector<int32_t>* BpeCache::find(std::string_view piece) const {
  auto it = map_.find(std::string(piece));
  return it == map_.end() ? nullptr : &it->second;
}

void BpeCache::insert(std::string_view piece, std::vector<int32_t> ids) {
  if (map_.size() >= max_entries_) map_.clear();  // bounded memory; hot pieces come back fast
  map_.emplace(std::string(piece), std::move(ids));
}

// ---- Impl --------------------------------------------------------------------------------------

struct Gpt2Tokenizer::Impl {
  std::string arena;                 // bytes of all tokens, id order
  std::vector<uint32_t> offset;      // token id -> [offset[id], offset[id+1]) in arena
  std::vector<uint64_t> vocab_slot;  // open addressing: (hash_hi32 << 32) | (id + 1); 0 = empty
  uint64_t vocab_mask = 0;
  std::vector<uint32_t> pair_key;    // open addressing: (a << 16) | b; kNoRank = empty
  std::vector<uint32_t> pair_value;  // merged id
  uint32_t pair_mask = 0;
  int32_t byte_id[256];
  std::string fingerprint;

  std::string_view bytes(int32_t id) const {
    return std::string_view(arena).substr(offset[id], offset[id + 1] - offset[id]);
  }

  int32_t lookup(const unsigned char* p, size_t n) const {
    uint64_t h = hash_bytes(p, n);
    uint64_t tag = h >> 32;
    for (uint64_t i = h & vocab_mask;; i = (i + 1) & vocab_mask) {
      uint64_t s = vocab_slot[i];
      if (s == 0) return -1;
      if ((s >> 32) == tag) {
        int32_t id = int32_t(uint32_t(s) - 1);
        if (offset[id + 1] - offset[id] == n && std::memcmp(arena.data() + offset[id], p, n) == 0)
          return id;
      }
    }
  }

  void insert_vocab(int32_t id) {
    auto b = bytes(id);
    uint64_t h = hash_bytes(reinterpret_cast<const unsigned char*>(b.data()), b.size());
    uint64_t i = h & vocab_mask;
    while (vocab_slot[i] != 0) i = (i + 1) & vocab_mask;
    vocab_slot[i] = (h >> 32) << 32 | uint64_t(uint32_t(id) + 1);
  }

  static uint32_t pair_hash(uint32_t key) { return key * 0x9E3779B1u; }

  uint32_t pair_rank(int32_t a, int32_t b) const {
    uint32_t key = uint32_t(a) << 16 | uint32_t(b);
    for (uint32_t i = (pair_hash(key) >> 8) & pair_mask;; i = (i + 1) & pair_mask) {
      if (pair_key[i] == key) return pair_value[i];
      if (pair_key[i] == kNoRank) return kNoRank;
    }
  }

  void insert_pair(int32_t a, int32_t b, int32_t merged) {
    uint32_t key = uint32_t(a) << 16 | uint32_t(b);
    uint32_t i = (pair_hash(key) >> 8) & pair_mask;
    while (pair_key[i] != kNoRank && pair_key[i] != key) i = (i + 1) & pair_mask;
    pair_key[i] = key;
    pair_value[i] = uint32_t(merged);
  }

  // Merges the bytes [p, p+n) (n >= 2, not itself a token) and appends the ids to `out`.
  void merge(const unsigned char* p, size_t n, std::vector<int32_t>& out) const {
    constexpr size_t kSmall = 128;
    if (n > kSmall) return merge_long(p, n, out);
    int32_t ids[kSmall];
    uint32_t ranks[kSmall];
    size_t m = n;
    for (size_t i = 0; i < m; ++i) ids[i] = byte_id[p[i]];
    for (size_t i = 0; i + 1 < m; ++i) ranks[i] = pair_rank(ids[i], ids[i + 1]);
    while (m > 1) {
      size_t best = 0;
      uint32_t best_rank = kNoRank;
      for (size_t i = 0; i + 1 < m; ++i)
        if (ranks[i] < best_rank) best_rank = ranks[i], best = i;
      if (best_rank == kNoRank) break;
      ids[best] = int32_t(best_rank);
      for (size_t i = best + 1; i + 1 < m; ++i) ids[i] = ids[i + 1], ranks[i] = ranks[i + 1];
      --m;
      if (best > 0) ranks[best - 1] = pair_rank(ids[best - 1], ids[best]);
      if (best + 1 < m) ranks[best] = pair_rank(ids[best], ids[best + 1]);
    }
    out.insert(out.end(), ids, ids + m);
  }

  // Same rule in O(n log n): a doubly linked list of parts and a min-heap of (rank, left index);
  // entries made stale by a neighbouring merge are skipped when popped.
  void merge_long(const unsigned char* p, size_t n, std::vector<int32_t>& out) const {
    std::vector<int32_t> id(n), prev(n), next(n);
    using Entry = std::pair<uint32_t, int32_t>;  // (rank, left index): leftmost wins ties
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
    for (size_t i = 0; i < n; ++i) {
      id[i] = byte_id[p[i]];
      prev[i] = int32_t(i) - 1;
      next[i] = i + 1 < n ? int32_t(i + 1) : -1;
    }
    for (size_t i = 0; i + 1 < n; ++i)
      if (uint32_t r = pair_rank(id[i], id[i + 1]); r != kNoRank) heap.emplace(r, int32_t(i));
    std::vector<bool> alive(n, true);
    while (!heap.empty()) {
      auto [rank, left] = heap.top();
      heap.pop();
      if (!alive[left] || next[left] < 0 || pair_rank(id[left], id[next[left]]) != rank) continue;
      int32_t right = next[left];
      id[left] = int32_t(rank);
      alive[right] = false;
      next[left] = next[right];
      if (next[right] >= 0) prev[next[right]] = left;
      if (prev[left] >= 0)
        if (uint32_t r = pair_rank(id[prev[left]], id[left]); r != kNoRank)
          heap.emplace(r, prev[left]);
      if (next[left] >= 0)
        if (uint32_t r = pair_rank(id[left], id[next[left]]); r != kNoRank) heap.emplace(r, left);
    }
    for (int32_t i = 0; i >= 0; i = next[i]) out.push_back(id[i]);
  }

  // encode_ordinary on text already known to be valid UTF-8.
  void encode_valid(std::string_view text, std::vector<int32_t>& out, BpeCache& cache) const {
    const auto* base = reinterpret_cast<const unsigned char*>(text.data());
    for_each_pretoken(text, [&](size_t b, size_t e) {
      const unsigned char* p = base + b;
      const size_t n = e - b;
      if (n == 1) return out.push_back(byte_id[*p]);
      if (int32_t id = lookup(p, n); id >= 0) return out.push_back(id);
      std::string_view piece(text.data() + b, n);
      if (const auto* hit = cache.find(piece)) {
        out.insert(out.end(), hit->begin(), hit->end());
        return;
      }
      size_t start = out.size();
      merge(p, n, out);
      cache.insert(piece, std::vector<int32_t>(out.begin() + long(start), out.end()));
    });
  }
  /// vocab.bpe against encoder.json: merge k must be token 256 + k.
  void check_merges(const std::string& bpe_text, const std::string& path) const;
  /// The pair table: every split of every token into two tokens.
  void build_pairs();
};

// ---- loading -----------------------------------------------------------------------------------

void Gpt2Tokenizer::Impl::check_merges(const std::string& bpe_text, const std::string& path) const {
  // vocab.bpe: "#version" header then merges "left right"; merge k must be token 256 + k (this
  // is the assertion tiktoken's data_gym_to_mergeable_bpe_ranks makes).
  const std::vector<int> u2b = unicode_to_bytes();
  {
    std::istringstream in(bpe_text);
    std::string line;
    size_t lineno = 0, merges = 0;
    while (std::getline(in, line)) {
      ++lineno;
      if (lineno == 1 && line.rfind("#version", 0) == 0) continue;
      if (line.empty()) continue;
      size_t sp = line.find(' ');
      if (sp == std::string::npos || line.find(' ', sp + 1) != std::string::npos)
        fail(path, ":", lineno, ": expected 'left right', got '", line, "'");
      std::string bytes;
      for (size_t i = 0, len = 0; i < line.size(); i += len) {
        uint32_t cp = decode_utf8(reinterpret_cast<const unsigned char*>(line.data()) + i, len);
        if (cp == ' ') continue;
        if (cp >= u2b.size() || u2b[cp] < 0) fail(path, ":", lineno, ": not byte-level BPE text");
        bytes += char(u2b[cp]);
      }
      int32_t id = lookup(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
      if (id != int32_t(256 + merges))
        fail(path, ":", lineno, ": merge '", line, "' gives id ", id, " in encoder.json, expected ",
             256 + merges, " (files do not belong together)");
      ++merges;
    }
    if (256 + merges != size_t(kEndOfText))
      fail(path, ": ", merges, " merges, expected ", kEndOfText - 256);
  }
}

void Gpt2Tokenizer::Impl::build_pairs() {
  // Pair table: every split of every token into two tokens (exactly the pairs tiktoken's
  // byte-level rank lookup can ever find).
  std::vector<std::tuple<int32_t, int32_t, int32_t>> pairs;
  for (int32_t t = 256; t < kEndOfText; ++t) {
    auto b = bytes(t);
    const auto* p = reinterpret_cast<const unsigned char*>(b.data());
    for (size_t s = 1; s < b.size(); ++s) {
      int32_t l = lookup(p, s), r = lookup(p + s, b.size() - s);
      if (l >= 0 && r >= 0) pairs.emplace_back(l, r, t);
    }
  }
  uint32_t size = 1;
  while (size < pairs.size() * 2) size <<= 1;
  pair_key.assign(size, kNoRank);
  pair_value.assign(size, 0);
  pair_mask = size - 1;
  for (auto [l, r, t] : pairs) insert_pair(l, r, t);
}

Gpt2Tokenizer Gpt2Tokenizer::load(const std::filesystem::path& dir, bool verify_sha256) {
  return load_files(dir / "encoder.json", dir / "vocab.bpe", verify_sha256);
}

Gpt2Tokenizer Gpt2Tokenizer::load_files(const std::filesystem::path& encoder_json,
                                        const std::filesystem::path& vocab_bpe,
                                        bool verify_sha256) {
  const std::string enc_text = read_file(encoder_json), bpe_text = read_file(vocab_bpe);
  // Hashed on a second thread while encoder.json is parsed (each about half of the load); a
  // wrong sha256 is still the error reported first.
  auto hashes = std::async(std::launch::async,
                           [&] { return std::pair(sha256_hex(enc_text), sha256_hex(bpe_text)); });
  std::vector<std::string> tokens;
  std::exception_ptr parse_error;
  try {
    tokens = parse_encoder_json(enc_text, encoder_json.string());
  } catch (...) {
    parse_error = std::current_exception();
  }
  const auto [enc_sha, bpe_sha] = hashes.get();
  if (verify_sha256) {
    if (enc_sha != kGpt2EncoderJsonSha256)
      fail(encoder_json.string(), ": sha256 ", enc_sha, " is not the pinned GPT-2 encoder.json (",
           kGpt2EncoderJsonSha256,
           "); the file is corrupt or not OpenAI's; re-fetch it with "
           "scripts/fetch-data.sh");
    if (bpe_sha != kGpt2VocabBpeSha256)
      fail(vocab_bpe.string(), ": sha256 ", bpe_sha, " is not the pinned GPT-2 vocab.bpe (",
           kGpt2VocabBpeSha256,
           "); the file is corrupt or not OpenAI's; re-fetch it with "
           "scripts/fetch-data.sh");
  }
  if (parse_error) std::rethrow_exception(parse_error);

  auto impl = std::make_unique<Impl>();
  impl->fingerprint = sha256_hex(enc_sha + bpe_sha);
  impl->offset.reserve(kVocabSize + 1);
  for (const auto& t : tokens)
    impl->offset.push_back(uint32_t(impl->arena.size())), impl->arena += t;
  impl->offset.push_back(uint32_t(impl->arena.size()));
  impl->vocab_slot.assign(1 << 17, 0);
  impl->vocab_mask = (1 << 17) - 1;
  for (int32_t id = 0; id < kEndOfText; ++id) {
    auto b = impl->bytes(id);
    if (int32_t twin = impl->lookup(reinterpret_cast<const unsigned char*>(b.data()), b.size());
        twin >= 0)
      fail(encoder_json.string(), ": ids ", twin, " and ", id, " have the same token");
    impl->insert_vocab(id);
  }
  for (int b = 0; b < 256; ++b) {
    unsigned char c = static_cast<unsigned char>(b);
    impl->byte_id[b] = impl->lookup(&c, 1);
    if (impl->byte_id[b] < 0) fail(encoder_json.string(), ": byte ", b, " has no token");
  }

  impl->check_merges(bpe_text, vocab_bpe.string());
  impl->build_pairs();
  return Gpt2Tokenizer(std::move(impl));
}

Gpt2Tokenizer::Gpt2Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gpt2Tokenizer::Gpt2Tokenizer(Gpt2Tokenizer&&) noexcept = default;
Gpt2Tokenizer& Gpt2Tokenizer::operator=(Gpt2Tokenizer&&) noexcept = default;
Gpt2Tokenizer::~Gpt2Tokenizer() = default;

const std::string& Gpt2Tokenizer::fingerprint() const { return impl_->fingerprint; }

// ---- encode / decode ---------------------------------------------------------------------------

void Gpt2Tokenizer::encode_ordinary(std::string_view text, std::vector<int32_t>& out,
                                    BpeCache* cache) const {
  if (size_t bad = find_invalid_utf8(text); bad != std::string_view::npos)
    fail("invalid UTF-8 at byte offset ", bad);
  BpeCache local(1 << 12);
  impl_->encode_valid(text, out, cache ? *cache : local);
}

std::vector<int32_t> Gpt2Tokenizer::encode_ordinary(std::string_view text) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 4 + 16);
  encode_ordinary(text, out);
  return out;
}

std::vector<int32_t> Gpt2Tokenizer::encode(std::string_view text, bool allow_special) const {
  if (!allow_special) return encode_ordinary(text);
  std::vector<int32_t> out;
  BpeCache cache(1 << 12);
  encode(text, true, out, &cache);
  return out;
}

void Gpt2Tokenizer::encode(std::string_view text, bool allow_special, std::vector<int32_t>& out,
                           BpeCache* cache) const {
  if (!allow_special) return encode_ordinary(text, out, cache);
  for (;;) {
    size_t at = text.find(kEndOfTextText);
    encode_ordinary(text.substr(0, at), out, cache);
    if (at == std::string_view::npos) return;
    out.push_back(kEndOfText);
    text.remove_prefix(at + kEndOfTextText.size());
  }
}

std::vector<int32_t> Gpt2Tokenizer::encode_parallel(std::string_view text, unsigned threads) const {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  constexpr size_t kMinChunk = 64 << 10;
  threads = unsigned(std::min<size_t>(threads, text.size() / kMinChunk + 1));
  if (threads <= 1) return encode_ordinary(text);
  if (size_t bad = find_invalid_utf8(text); bad != std::string_view::npos)
    fail("invalid UTF-8 at byte offset ", bad);
  // Cut points: a ' ' whose previous byte is ASCII non-whitespace always starts a new
  // pre-token, and the scanner never looks behind, so chunks encode independently.
  std::vector<size_t> cuts{0};
  for (unsigned k = 1; k < threads; ++k) {
    size_t i = std::max(cuts.back() + 1, text.size() * k / threads);
    for (; i < text.size(); ++i) {
      unsigned char prev = static_cast<unsigned char>(text[i - 1]);
      if (text[i] == ' ' && prev < 0x80 && ascii_class(prev) != CharClass::kSpace) break;
    }
    if (i < text.size()) cuts.push_back(i);
  }
  cuts.push_back(text.size());
  std::vector<std::vector<int32_t>> parts(cuts.size() - 1);
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(parts.size());
  for (size_t k = 0; k < parts.size(); ++k) {
    pool.emplace_back([&, k] {
      try {
        BpeCache cache;
        std::string_view chunk = text.substr(cuts[k], cuts[k + 1] - cuts[k]);
        parts[k].reserve(chunk.size() / 4 + 16);
        impl_->encode_valid(chunk, parts[k], cache);
      } catch (...) {
        errors[k] = std::current_exception();
      }
    });
  }
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  std::vector<int32_t> out;
  size_t total = 0;
  for (auto& p : parts) total += p.size();
  out.reserve(total);
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<std::vector<int32_t>> Gpt2Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                              unsigned threads) const {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = unsigned(std::min<size_t>(threads, std::max<size_t>(texts.size(), 1)));
  std::vector<std::vector<int32_t>> out(texts.size());
  std::vector<std::exception_ptr> errors(threads);
  auto work = [&](unsigned t) {
    try {
      BpeCache cache;
      for (size_t i = t; i < texts.size(); i += threads) encode_ordinary(texts[i], out[i], &cache);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  if (threads <= 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work, t);
    for (auto& th : pool) th.join();
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return out;
}

std::string_view Gpt2Tokenizer::token_bytes(int32_t id) const {
  if (id < 0 || id >= kVocabSize)
    fail("token id ", id, " is outside the GPT-2 vocabulary [0, ", kVocabSize, ")");
  return impl_->bytes(id);
}

std::string Gpt2Tokenizer::decode(const int32_t* ids, size_t n) const {
  std::string out;
  out.reserve(n * 4);
  for (size_t i = 0; i < n; ++i) out += token_bytes(ids[i]);
  return out;
}

}  // namespace spikebench::datasets
