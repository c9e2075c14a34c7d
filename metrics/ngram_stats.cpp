// Exact n-gram match statistics for BLEU (sacrebleu v2.6.0 metrics/bleu.py,
// _extract_reference_info + _compute_segment_statistics, with helpers.extract_all_word_ngrams),
// using a per-segment open-addressing table of reference n-grams keyed by token sequences.
#include "metrics/ngram_stats.h"

#include <algorithm>
#include <cstdlib>
#include <functional>

#include "metrics/unicode.h"

namespace spikebench::text {

BleuStats& BleuStats::operator+=(const BleuStats& other) {
  sys_len += other.sys_len;
  ref_len += other.ref_len;
  for (size_t n = 0; n < correct.size() && n < other.correct.size(); ++n) {
    correct[n] += other.correct[n];
    total[n] += other.total[n];
  }
  return *this;
}

int64_t closest_ref_len(int64_t hyp_len, const std::vector<int64_t>& ref_lens) {
  int64_t closest_diff = -1, closest_len = -1;
  for (int64_t len : ref_lens) {
    const int64_t diff = std::llabs(hyp_len - len);
    if (closest_diff == -1 || diff < closest_diff) {
      closest_diff = diff;
      closest_len = len;
    } else if (diff == closest_diff && len < closest_len) {
      closest_len = len;
    }
  }
  return closest_len;
}

namespace {

uint64_t mix(uint64_t h, uint64_t x) {
  // splitmix64-style combination; collisions are resolved by comparing tokens.
  h ^= x + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
  h ^= h >> 31;
  h *= 0xBF58476D1CE4E5B9ULL;
  return h ^ (h >> 29);
}

void hash_tokens(const std::vector<std::string_view>& tokens, std::vector<uint64_t>& out) {
  out.resize(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) out[i] = std::hash<std::string_view>{}(tokens[i]);
}

}  // namespace

NgramMatcher::NgramMatcher(int max_order) : max_order_(max_order) {}

void NgramMatcher::next_order_hashes(const std::vector<uint64_t>& token_hashes, size_t n,
                                     std::vector<uint64_t>& hashes) {
  // hashes[i] held the hash of the (n-1)-gram at i (for n == 1: nothing); extend by token i+n-1.
  const size_t count = token_hashes.size() >= n ? token_hashes.size() - n + 1 : 0;
  if (n == 1) hashes.assign(token_hashes.size(), 0x51ED270B27AD3B8DULL);
  for (size_t i = 0; i < count; ++i) hashes[i] = mix(hashes[i], token_hashes[i + n - 1]);
  hashes.resize(count);
}

void NgramMatcher::rehash(size_t capacity) {
  slots_.assign(capacity, -1);
  const size_t mask = capacity - 1;
  for (size_t e = 0; e < entries_.size(); ++e) {
    size_t s = entries_[e].hash & mask;
    while (slots_[s] != -1) s = (s + 1) & mask;
    slots_[s] = static_cast<int32_t>(e);
  }
}

NgramMatcher::Entry* NgramMatcher::find(const std::string_view* at, uint32_t n, uint64_t hash) {
  const size_t mask = slots_.size() - 1;
  for (size_t s = hash & mask; slots_[s] != -1; s = (s + 1) & mask) {
    Entry& e = entries_[static_cast<size_t>(slots_[s])];
    if (e.hash == hash && e.n == n && std::equal(at, at + n, e.at)) return &e;
  }
  return nullptr;
}

NgramMatcher::Entry* NgramMatcher::insert(const std::string_view* at, uint32_t n, uint64_t hash) {
  if (Entry* e = find(at, n, hash)) return e;
  if ((entries_.size() + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
  entries_.push_back(Entry{at, n, 0, 0, UINT32_MAX, 0, hash});
  const size_t mask = slots_.size() - 1;
  size_t s = hash & mask;
  while (slots_[s] != -1) s = (s + 1) & mask;
  slots_[s] = static_cast<int32_t>(entries_.size() - 1);
  return &entries_.back();
}

BleuStats NgramMatcher::segment(std::string_view hyp, const std::vector<std::string_view>& refs) {
  const size_t N = static_cast<size_t>(max_order_);
  BleuStats st(max_order_);

  // References: n-gram counts per reference, merged by max (sacrebleu _extract_reference_info).
  ref_tokens_.resize(refs.size());
  size_t ref_ngrams = 0;
  std::vector<int64_t> ref_lens;
  ref_lens.reserve(refs.size());
  for (size_t r = 0; r < refs.size(); ++r) {
    ref_tokens_[r] = py_split(refs[r]);
    ref_lens.push_back(static_cast<int64_t>(ref_tokens_[r].size()));
    ref_ngrams += ref_tokens_[r].size() * N;
  }
  entries_.clear();
  entries_.reserve(ref_ngrams);
  size_t cap = 16;
  while (cap < 2 * ref_ngrams + 2) cap *= 2;
  slots_.assign(cap, -1);
  for (size_t r = 0; r < refs.size(); ++r) {
    const auto& toks = ref_tokens_[r];
    hash_tokens(toks, tok_hash_);
    for (size_t n = 1; n <= N; ++n) {
      next_order_hashes(tok_hash_, n, ngram_hash_);
      for (size_t i = 0; i < ngram_hash_.size(); ++i) {
        Entry* e = insert(&toks[i], static_cast<uint32_t>(n), ngram_hash_[i]);
        if (e->cur_ref != r) e->cur_ref = static_cast<uint32_t>(r), e->cur = 0;
        e->ref_max = std::max(e->ref_max, ++e->cur);
      }
    }
  }

  // Hypothesis: every n-gram occurrence counts in `total`; the k-th occurrence of an n-gram is
  // `correct` while k <= its reference max, which sums to min(hyp count, ref max) per n-gram.
  const std::vector<std::string_view> toks = py_split(hyp);
  st.sys_len = static_cast<int64_t>(toks.size());
  st.ref_len = closest_ref_len(st.sys_len, ref_lens);
  hash_tokens(toks, tok_hash_);
  for (size_t n = 1; n <= N; ++n) {
    next_order_hashes(tok_hash_, n, ngram_hash_);
    st.total[n - 1] = static_cast<int64_t>(ngram_hash_.size());
    if (entries_.empty()) continue;
    for (size_t i = 0; i < ngram_hash_.size(); ++i) {
      Entry* e = find(&toks[i], static_cast<uint32_t>(n), ngram_hash_[i]);
      if (e && ++e->hyp <= e->ref_max) ++st.correct[n - 1];
    }
  }
  return st;
}

}  // namespace spikebench::text
