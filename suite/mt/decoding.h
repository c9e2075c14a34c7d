#pragma once
// Batched greedy and beam-search decoding of the encoder-decoder (App. D). Each step re-runs the
// decoder over the whole prefix (no incremental state: simple, and cheap at the proxy sizes).
// Beam search follows fairseq's SequenceGenerator: 2K candidates per sentence per step, an eos
// among the top K finishes a hypothesis, a sentence is done once K hypotheses have finished, and
// the final choice is the largest length-normalized score
//     score / |y|^α     (|y| = generated tokens including eos; α = length_penalty, fairseq --lenpen)
// The last allowed step forces eos (max length = max_len_a · |src| + max_len_b), in greedy too,
// so beam 1 equals greedy.
#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "models/encoder_decoder.h"

namespace spikebench::mt {

struct DecodeOptions {
  int64_t bos = 1, eos = 2, pad = 0;
  int64_t beam = 4;             // K
  double length_penalty = 0.6;  // α (Vaswani et al. 2017 / Ott et al. 2018 use 0.6 for En-De)
  double max_len_a = 1.2;       // max target tokens = a · |src| + b (|src| without pad) ...
  int64_t max_len_b = 10;       // ... capped at the model's max_len - 1
};

struct Hypothesis {
  std::vector<int64_t> tokens;  // without bos and eos
  double score = 0;             // Σ log p of the tokens and the final eos
  double normalized = 0;        // score / (tokens.size() + 1)^α
};

/// The length-normalized score of a finished hypothesis with `length` tokens (eos included).
double length_normalized(double score, int64_t length, double alpha);

/// Greedy decoding of src (B,S) int64 (pad-right); one token list per sentence (no bos/eos).
std::vector<std::vector<int64_t>> greedy_decode(models::EncoderDecoder& model,
                                                const torch::Tensor& src, const DecodeOptions& o);

/// Beam search; the best finished hypothesis per sentence.
std::vector<Hypothesis> beam_search(models::EncoderDecoder& model, const torch::Tensor& src,
                                    const DecodeOptions& o);

}  // namespace spikebench::mt
