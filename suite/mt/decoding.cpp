#include "suite/mt/decoding.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace spikebench::mt {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

/// Per-sentence maximum number of decoding steps (eos included).
std::vector<int64_t> max_steps(const torch::Tensor& src, const DecodeOptions& o, int64_t cap) {
  auto lengths = (src != o.pad).sum(1).to(torch::kLong).contiguous();
  std::vector<int64_t> out;
  for (int64_t i = 0; i < lengths.size(0); ++i) {
    const double n = static_cast<double>(lengths[i].item<int64_t>());
    const auto m = static_cast<int64_t>(std::floor(o.max_len_a * n)) + o.max_len_b;
    out.push_back(std::max<int64_t>(1, std::min(m, cap)));
  }
  return out;
}

/// log p(next | prefix) (rows, V) for the last position, with pad and bos never generated and
/// eos forced on rows whose `force_eos` is set.
torch::Tensor next_log_probs(models::EncoderDecoder& model, const torch::Tensor& prefix,
                             const models::EncoderDecoderImpl::Memory& memory,
                             const std::vector<bool>& force_eos, const DecodeOptions& o) {
  auto states = model->decode(prefix, memory).select(1, -1);  // (rows,d)
  auto lp = torch::log_softmax(model->logits(states).to(torch::kFloat), -1);
  lp.select(1, o.pad).fill_(kNegInf);
  lp.select(1, o.bos).fill_(kNegInf);
  for (size_t r = 0; r < force_eos.size(); ++r)
    if (force_eos[r]) {
      const float keep = lp[r][o.eos].item<float>();
      lp[r].fill_(kNegInf);
      lp[r][o.eos] = keep;
    }
  return lp;
}

}  // namespace

double length_normalized(double score, int64_t length, double alpha) {
  return score / std::pow(static_cast<double>(length), alpha);
}

std::vector<std::vector<int64_t>> greedy_decode(models::EncoderDecoder& model,
                                                const torch::Tensor& src, const DecodeOptions& o) {
  torch::NoGradGuard no_grad;
  const int64_t B = src.size(0);
  const auto limit = max_steps(src, o, model->config().max_len - 1);
  const int64_t T = *std::max_element(limit.begin(), limit.end());
  auto memory = model->encode(src);
  auto prefix = torch::full({B, 1}, o.bos, torch::kLong);
  std::vector<std::vector<int64_t>> out(static_cast<size_t>(B));
  std::vector<bool> done(static_cast<size_t>(B), false);
  for (int64_t t = 0; t < T; ++t) {
    std::vector<bool> force(static_cast<size_t>(B));
    for (int64_t b = 0; b < B; ++b) force[b] = t + 1 >= limit[b];
    auto next = next_log_probs(model, prefix, memory, force, o).argmax(1);  // (B)
    auto acc = next.accessor<int64_t, 1>();
    bool all_done = true;
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) {
        acc[b] = o.pad;
        continue;
      }
      if (acc[b] == o.eos)
        done[b] = true;
      else
        out[b].push_back(acc[b]);
      all_done = all_done && done[b];
    }
    if (all_done) break;
    prefix = torch::cat({prefix, next.unsqueeze(1)}, 1);
  }
  return out;
}

std::vector<Hypothesis> beam_search(models::EncoderDecoder& model, const torch::Tensor& src,
                                    const DecodeOptions& o) {
  torch::NoGradGuard no_grad;
  const int64_t B = src.size(0), K = o.beam, V = model->config().vocab;
  const auto limit = max_steps(src, o, model->config().max_len - 1);
  const int64_t T = *std::max_element(limit.begin(), limit.end());
  // Row b·K + k holds beam k of sentence b.
  auto memory = model->encode(src).select(torch::arange(B).repeat_interleave(K));
  auto prefix = torch::full({B * K, 1}, o.bos, torch::kLong);
  // At step 0 only beam 0 is live (the others would duplicate it).
  auto scores = torch::full({B, K}, kNegInf, torch::kFloat);
  scores.select(1, 0).zero_();
  std::vector<std::vector<Hypothesis>> finished(static_cast<size_t>(B));
  std::vector<bool> done(static_cast<size_t>(B), false);
  for (int64_t t = 0; t < T; ++t) {
    std::vector<bool> force(static_cast<size_t>(B * K));
    for (int64_t r = 0; r < B * K; ++r) force[r] = t + 1 >= limit[r / K];
    auto lp = next_log_probs(model, prefix, memory, force, o);            // (BK,V)
    auto cand = (scores.view({B * K, 1}) + lp).view({B, K * V});          // cumulative scores
    auto [top_scores, top_index] = cand.topk(std::min(2 * K, K * V), 1);  // (B,2K), best first
    auto ts = top_scores.accessor<float, 2>();
    auto ti = top_index.accessor<int64_t, 2>();
    auto prefix_cpu = prefix.accessor<int64_t, 2>();
    std::vector<int64_t> rows, tokens;
    std::vector<float> next_scores;
    for (int64_t b = 0; b < B; ++b) {
      const size_t start = rows.size();  // = b·K
      int64_t live = 0;
      for (int64_t c = 0; c < top_scores.size(1) && !done[b] && live < K; ++c) {
        const float s = ts[b][c];
        if (!std::isfinite(s)) break;
        const int64_t beam = ti[b][c] / V, tok = ti[b][c] % V, row = b * K + beam;
        if (tok == o.eos) {
          if (c >= K) continue;  // fairseq: only an eos among the top K finishes a hypothesis
          Hypothesis h;
          for (int64_t j = 1; j < prefix.size(1); ++j) h.tokens.push_back(prefix_cpu[row][j]);
          h.score = s;
          h.normalized = length_normalized(s, t + 1, o.length_penalty);
          finished[b].push_back(std::move(h));
          if (static_cast<int64_t>(finished[b].size()) >= K) done[b] = true;
          continue;
        }
        rows.push_back(row), tokens.push_back(tok), next_scores.push_back(s), ++live;
      }
      if (t + 1 >= limit[b]) done[b] = true;  // eos was forced: every live beam has finished
      if (done[b]) rows.resize(start), tokens.resize(start), next_scores.resize(start);
      // Keep shapes: empty slots continue a dummy row with score -inf.
      while (rows.size() < start + static_cast<size_t>(K))
        rows.push_back(b * K), tokens.push_back(o.pad), next_scores.push_back(kNegInf);
    }
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
    auto index = torch::tensor(rows, torch::kLong);
    prefix = torch::cat(
        {prefix.index_select(0, index), torch::tensor(tokens, torch::kLong).unsqueeze(1)}, 1);
    scores = torch::tensor(next_scores, torch::kFloat).view({B, K});
  }
  std::vector<Hypothesis> best;
  for (auto& f : finished) {
    auto it = std::max_element(f.begin(), f.end(), [](const Hypothesis& a, const Hypothesis& b) {
      return a.normalized < b.normalized;
    });
    best.push_back(it == f.end() ? Hypothesis{} : *it);
  }
  return best;
}

}  // namespace spikebench::mt
