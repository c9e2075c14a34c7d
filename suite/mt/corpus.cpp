#include "suite/mt/corpus.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "core/error.h"
#include "datasets/text_io.h"
#include "datasets/utf8.h"
#include "datasets/wmt.h"

namespace spikebench::mt {
namespace {

std::vector<std::string_view> split_spaces(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool attaches_left(std::string_view t) {
  static const std::set<std::string_view> closing = {",", ".", "!", "?", ":",   ";",
                                                     "%", ")", "]", "}", "...", "-"};
  return closing.count(t) || (t.size() > 1 && t[0] == '\'');
}

bool attaches_right(std::string_view t) { return t == "(" || t == "[" || t == "{"; }

}  // namespace

std::string moses_unescape(std::string_view s) {
  static const std::pair<std::string_view, std::string_view> kEntities[] = {
      {"&amp;", "&"},  {"&lt;", "<"},   {"&gt;", ">"},  {"&quot;", "\""},
      {"&apos;", "'"}, {"&#124;", "|"}, {"&#91;", "["}, {"&#93;", "]"}};
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    bool hit = false;
    if (s[i] == '&')
      for (const auto& [entity, ch] : kEntities)
        if (s.substr(i, entity.size()) == entity) {
          out += ch, i += entity.size(), hit = true;
          break;
        }
    if (!hit) out += s[i++];
  }
  return out;
}

std::string moses_detokenize(std::string_view tokenized) {
  std::string text = moses_unescape(tokenized);
  auto tokens = split_spaces(text);
  std::string out;
  bool glue_next = true;  // no space before the first token
  int quotes = 0;
  for (auto t : tokens) {
    bool left = attaches_left(t), right = attaches_right(t);
    if (t == "@-@") t = "-", left = right = true;  // " @-@ " -> "-"
    if (t == "\"") (quotes++ % 2 == 0 ? right : left) = true;
    if (!glue_next && !left) out += ' ';
    out.append(t.data(), t.size());
    glue_next = right;
  }
  return out;
}

Vocab Vocab::full() {
  Vocab v;
  for (int32_t i = 0; i < datasets::Gpt2Tokenizer::kVocabSize; ++i) {
    v.from_gpt2_[i] = kSpecials + i;
    v.to_gpt2_.push_back(i);
  }
  return v;
}

Vocab Vocab::restricted(const std::vector<std::vector<int32_t>>& corpora, int64_t max_ids) {
  std::unordered_map<int32_t, int64_t> count;
  for (const auto& ids : corpora)
    for (int32_t id : ids) ++count[id];
  std::vector<std::pair<int64_t, int32_t>> by_count;  // (-count, id)
  for (const auto& [id, n] : count) by_count.emplace_back(-n, id);
  std::sort(by_count.begin(), by_count.end());
  if (max_ids > 0 && static_cast<size_t>(max_ids) < by_count.size()) by_count.resize(max_ids);
  std::set<int32_t> used;
  for (const auto& [n, id] : by_count) used.insert(id);
  Vocab v;
  v.restricted_ = true;
  for (int32_t id : used) {
    v.from_gpt2_[id] = kSpecials + static_cast<int64_t>(v.to_gpt2_.size());
    v.to_gpt2_.push_back(id);
  }
  return v;
}

std::vector<int64_t> Vocab::encode(const std::vector<int32_t>& gpt2) const {
  std::vector<int64_t> out;
  out.reserve(gpt2.size());
  for (int32_t id : gpt2) {
    auto it = from_gpt2_.find(id);
    out.push_back(it == from_gpt2_.end() ? kUnk : it->second);
  }
  return out;
}

std::vector<int32_t> Vocab::decode(const std::vector<int64_t>& local) const {
  std::vector<int32_t> out;
  for (int64_t id : local)
    if (id >= kSpecials && id < size())
      out.push_back(to_gpt2_[static_cast<size_t>(id - kSpecials)]);
  return out;
}

torch::Tensor pad_right(const std::vector<std::vector<int64_t>>& rows, int64_t pad) {
  size_t width = 1;
  for (const auto& r : rows) width = std::max(width, r.size());
  auto t = torch::full({static_cast<int64_t>(rows.size()), static_cast<int64_t>(width)}, pad,
                       torch::kLong);
  auto a = t.accessor<int64_t, 2>();
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) a[i][j] = rows[i][j];
  return t;
}

std::vector<Batch> make_batches(const std::vector<Pair>& pairs, int64_t max_tokens) {
  std::vector<size_t> order(pairs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::make_pair(pairs[a].src.size(), pairs[a].tgt.size()) <
           std::make_pair(pairs[b].src.size(), pairs[b].tgt.size());
  });
  std::vector<Batch> out;
  std::vector<size_t> cur;
  size_t width = 0;
  auto emit = [&] {
    if (cur.empty()) return;
    std::vector<std::vector<int64_t>> src, prev, target;
    Batch b;
    for (size_t i : cur) {
      src.push_back(pairs[i].src);
      prev.push_back({Vocab::kBos}), target.push_back(pairs[i].tgt);
      prev.back().insert(prev.back().end(), pairs[i].tgt.begin(), pairs[i].tgt.end());
      target.back().push_back(Vocab::kEos);
      b.target_tokens += static_cast<int64_t>(target.back().size());
    }
    b.src = pad_right(src, Vocab::kPad), b.prev = pad_right(prev, Vocab::kPad);
    b.target = pad_right(target, Vocab::kPad);
    out.push_back(std::move(b));
    cur.clear(), width = 0;
  };
  for (size_t i : order) {
    const size_t w = std::max(pairs[i].src.size(), pairs[i].tgt.size() + 1);
    if (static_cast<int64_t>(w) > max_tokens)
      fail("train_mt: a sentence pair of ", w, " tokens exceeds max_tokens ", max_tokens);
    if (static_cast<int64_t>((cur.size() + 1) * std::max(width, w)) > max_tokens) emit();
    cur.push_back(i), width = std::max(width, w);
  }
  emit();
  return out;
}

TrainText read_train_text(const std::filesystem::path& src_file,
                          const std::filesystem::path& tgt_file, int64_t lines,
                          const datasets::Gpt2Tokenizer& bpe) {
  auto src = datasets::read_plain_segments(src_file);
  auto tgt = datasets::read_plain_segments(tgt_file);
  if (src.size() != tgt.size())
    fail(src_file.string(), ": ", src.size(), " lines vs ", tgt.size(), " in ", tgt_file.string());
  if (lines > 0 && static_cast<size_t>(lines) < src.size()) src.resize(lines), tgt.resize(lines);
  for (auto& s : src) s = moses_detokenize(s);
  for (auto& s : tgt) s = moses_detokenize(s);
  auto src_ids = bpe.encode_batch(src, 1), tgt_ids = bpe.encode_batch(tgt, 1);
  return {std::move(src_ids), std::move(tgt_ids), std::move(src), std::move(tgt)};
}

std::string detokenize_bpe(const datasets::Gpt2Tokenizer& bpe, const std::vector<int32_t>& ids) {
  std::string bytes = bpe.decode(ids), out;
  std::string_view rest = bytes;
  while (!rest.empty()) {
    const size_t bad = datasets::find_invalid_utf8(rest);
    if (bad == std::string_view::npos) {
      out.append(rest);
      break;
    }
    out.append(rest.substr(0, bad));
    out += "\xEF\xBF\xBD";  // U+FFFD
    rest.remove_prefix(bad + 1);
  }
  return out;
}

}  // namespace spikebench::mt
