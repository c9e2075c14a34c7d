#pragma once
// BLEU's sufficient statistics (Papineni et al., 2002, §2.1 "modified n-gram precision"):
// per segment, clipped n-gram matches against the references and the closest reference length,
// computed exactly as sacrebleu v2.6.0's BLEU._compute_segment_statistics.
#include <cstdint>
#include <string_view>
#include <vector>

namespace spikebench::text {

/// Sums over segments of: hypothesis length, closest reference length, and for each order
/// n = 1..N the clipped matches (`correct`, sacrebleu's `counts`) and hypothesis n-grams (`total`).
struct BleuStats {
  int64_t sys_len = 0;
  int64_t ref_len = 0;
  std::vector<int64_t> correct;  // [N]
  std::vector<int64_t> total;    // [N]

  explicit BleuStats(int max_order = 4) : correct(max_order, 0), total(max_order, 0) {}
  BleuStats& operator+=(const BleuStats& other);
};

/// sacrebleu's _get_closest_ref_len: the reference length closest to `hyp_len`, the shorter one
/// on a tie; -1 when there is no reference.
int64_t closest_ref_len(int64_t hyp_len, const std::vector<int64_t>& ref_lens);

/// Counts n-grams of whitespace-split (Python str.split()) tokens. A reference n-gram's count is
/// the maximum over the references; a hypothesis n-gram is credited min(hyp count, that max).
/// Holds reusable buffers, so one matcher per thread.
class NgramMatcher {
 public:
  explicit NgramMatcher(int max_order = 4);
  /// Statistics of one tokenized hypothesis against its tokenized references.
  BleuStats segment(std::string_view hyp, const std::vector<std::string_view>& refs);
  int max_order() const { return max_order_; }

 private:
  struct Entry {                 // one distinct reference n-gram
    const std::string_view* at;  // first token, inside ref_tokens_
    uint32_t n;                  // order
    uint32_t ref_max;            // max count over the references seen so far
    uint32_t cur;                // count in the reference being read
    uint32_t cur_ref;            // which reference `cur` belongs to
    uint32_t hyp;                // hypothesis occurrences matched against it so far
    uint64_t hash;
  };
  Entry* find(const std::string_view* at, uint32_t n, uint64_t hash);
  Entry* insert(const std::string_view* at, uint32_t n, uint64_t hash);
  void rehash(size_t capacity);
  // Fills `hashes` with the rolling hash of every n-gram of `tokens` for order n (n-1 computed).
  static void next_order_hashes(const std::vector<uint64_t>& token_hashes, size_t n,
                                std::vector<uint64_t>& hashes);

  int max_order_;
  std::vector<std::vector<std::string_view>> ref_tokens_;
  std::vector<Entry> entries_;
  std::vector<int32_t> slots_;  // open addressing: index into entries_, -1 = empty
  std::vector<uint64_t> tok_hash_, ngram_hash_;
};

}  // namespace spikebench::text
