// Two-stage lookup table over the generated L / N ranges plus the White_Space list.
// Why a hand-written table and not ICU / PCRE2: the pre-tokenizer needs exactly three
// properties; a flat lookup is ~1 ns per code point and has no runtime dependency, whereas
// u_charType or a PCRE2 match per pre-token costs a call (or a regex engine) per character.
#include "datasets/unicode_classes.h"

#include <array>
#include <map>
#include <string>
#include <vector>

namespace spikebench::datasets {
namespace {

struct CodePointRange {
  uint32_t first, last;
};
#include "datasets/unicode_classes_data.inc"

// White_Space (PropList.txt, Unicode 15.0); what \s means in Python `regex` and Rust `regex`.
// U+FEFF (BOM) and U+200B are format characters (Cf), not whitespace.
constexpr uint32_t kWhiteSpace[] = {0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x20,   0x85,
                                    0xA0,   0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
                                    0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028,
                                    0x2029, 0x202F, 0x205F, 0x3000};

constexpr uint32_t kMaxCodePoint = 0x10FFFF;
constexpr uint32_t kBlockBits = 8;
constexpr uint32_t kBlockSize = 1u << kBlockBits;
constexpr uint32_t kNumBlocks = (kMaxCodePoint + 1) >> kBlockBits;

// stage1[cp >> 8] = index of a deduplicated 256-entry block in stage2.
class ClassTable {
 public:
  ClassTable() {
    std::vector<uint8_t> flat(kMaxCodePoint + 1, static_cast<uint8_t>(CharClass::kOther));
    for (const auto& r : kLetterRanges)
      for (uint32_t c = r.first; c <= r.last; ++c) flat[c] = uint8_t(CharClass::kLetter);
    for (const auto& r : kNumberRanges)
      for (uint32_t c = r.first; c <= r.last; ++c) flat[c] = uint8_t(CharClass::kNumber);
    for (uint32_t c : kWhiteSpace) flat[c] = uint8_t(CharClass::kSpace);
    std::map<std::string, uint16_t> seen;  // block bytes -> its index in stage2_
    for (uint32_t b = 0; b < kNumBlocks; ++b) {
      std::string block(reinterpret_cast<const char*>(flat.data()) + b * kBlockSize, kBlockSize);
      auto [it, added] = seen.emplace(block, uint16_t(seen.size()));
      if (added) stage2_.insert(stage2_.end(), block.begin(), block.end());
      stage1_[b] = it->second;
    }
  }
  CharClass operator()(uint32_t cp) const {
    if (cp > kMaxCodePoint) return CharClass::kOther;
    return CharClass(
        stage2_[(uint32_t(stage1_[cp >> kBlockBits]) << kBlockBits) | (cp & (kBlockSize - 1))]);
  }

 private:
  std::array<uint16_t, kNumBlocks> stage1_{};
  std::vector<uint8_t> stage2_;
};

}  // namespace

CharClass char_class(uint32_t cp) {
  static const ClassTable table;  // immutable after its thread-safe initialization
  return table(cp);
}

}  // namespace spikebench::datasets
