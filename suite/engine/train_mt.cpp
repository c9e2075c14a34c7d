// Runner `train_mt` (App. D, Tables 4-5): trains the encoder-decoder on WMT En-De with fairseq's
// recipe — token-based batches (max tokens), label-smoothed cross entropy (ε = 0.1), Adam
// (β2 = 0.98, weight decay 0), gradient clipping 0.1, inverse-sqrt schedule with warmup — then
// translates the first lines of newstest2010-2016 (beam search or greedy), detokenizes, and
// scores each year with the SacreBLEU-identical corpus BLEU (suite/eval/text/bleu.h). A
// non-finite or blown-up loss ends the run as `diverged@step` (Table 5's N/A): no BLEU then.
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <numeric>
#include <random>

#include "core/error.h"
#include "datasets/bpe.h"
#include "datasets/wmt.h"
#include "models/encoder_decoder.h"
#include "models/label_smoothing.h"
#include "suite/engine/schedule.h"
#include "suite/eval/text/bleu.h"
#include "suite/mt/corpus.h"
#include "suite/mt/decoding.h"
#include "suite/progress.h"
#include "suite/runner.h"

namespace spikebench {
namespace {

namespace fs = std::filesystem;

const char* kDefaults = R"(
size: cpu                # encoder-decoder flavor (models/encoder_decoder.cpp): paper, gpu, cpu, tiny
variant: preln_scaled_embed  # postln | deepnet | b2t | preln_scaled_embed (models/encdec_variants.cpp)
init: null               # null = the variant's (plain | scaled | deepnet)
seed: 0                  # torch RNG seed for init, dropout and batch order
norm: layernorm          # layernorm | rmsnorm
activation: relu         # F of Eq. (3)
dropout: null            # null = the flavor's (Table 4: 0.5)
word_dropout: null       # null = the flavor's (Table 4: 0.1)
d: null                  # null = the flavor's hidden size (d_ffn = 4d when set)
n_layers: null           # null = the flavor's N = M (encoder and decoder layers)
n_heads: null            # null = the flavor's h
steps: 300               # parameter updates
lr: 1.0e-3               # peak learning rate (Table 5: 1e-3, 3e-3)
max_tokens: 7168         # tokens per batch incl. padding, max(|src|, |tgt|+1) · n (Table 4)
warmup_steps: 4000       # inverse-sqrt warmup (Table 4)
beta1: 0.9
beta2: 0.98              # Table 4
eps: 1.0e-8
weight_decay: 0.0        # Table 4
clip: 0.1                # global gradient-norm clipping (Table 4)
label_smoothing: 0.1     # ε of the label-smoothed cross entropy
train_src: wmt/train_sample/opennmt-py.train.tok.en  # Moses-tokenized (relative: data folder)
train_tgt: wmt/train_sample/opennmt-py.train.tok.de
train_lines: 0           # first lines of the training files (0 = all)
max_src_tokens: 128      # longer training pairs (either side, BPE tokens) are dropped
vocab: restricted        # restricted (GPT-2 ids of the training data + specials) | gpt2 (all)
vocab_max: 0             # restricted: keep the most frequent ids only (0 = every id in use)
test_years: [2010, 2011, 2012, 2013, 2014, 2015, 2016]  # newstest (2014: sacrebleu's wmt14, filtered)
test_lines: 0            # first lines of each test set (0 = all)
decode: beam             # beam | greedy
beam: 4                  # K
length_penalty: 0.6      # α of score / |y|^α (fairseq --lenpen)
max_len_a: 1.2           # max output tokens = a · |src| + b
max_len_b: 10
decode_batch: 64         # sentences per decoding batch
average_last: 0          # average the parameters of the last K checkpoints before decoding (0 = off)
checkpoint_every: 100    # updates between the (in-memory) checkpoints averaging uses
diverge_factor: 2.0      # diverged when loss > factor × running minimum ...
diverge_patience: 20     # ... for this many consecutive updates (or at once if non-finite)
threads: 0               # intra-op threads (0 = LibTorch's default)
precision: fp32          # fp32 on CPU (Table 4's fp16 needs a CUDA build)
)";

models::EncoderDecoderConfig mt_config(const YAML::Node& r, int64_t vocab) {
  auto c = models::mt_flavor(r["size"].as<std::string>()).config;
  auto set = [&](const char* key, auto& field) {
    if (r[key] && !r[key].IsNull()) field = r[key].as<std::decay_t<decltype(field)>>();
  };
  c.vocab = vocab;
  c.variant = r["variant"].as<std::string>();
  set("init", c.init);
  set("norm", c.norm);
  set("activation", c.activation);
  set("dropout", c.dropout);
  set("word_dropout", c.word_dropout);
  set("n_heads", c.n_heads);
  if (r["d"] && !r["d"].IsNull()) c.d = r["d"].as<int64_t>(), c.d_ffn = 4 * c.d;
  if (r["n_layers"] && !r["n_layers"].IsNull())
    c.n_encoder_layers = c.n_decoder_layers = r["n_layers"].as<int64_t>();
  c.validate();
  return c;
}

fs::path data_path(const RunContext& ctx, const std::string& p) {
  fs::path path = p;
  return path.is_relative() ? ctx.data_dir / path : path;
}

struct Data {
  mt::Vocab vocab;
  std::vector<mt::Batch> batches;
  int64_t pairs = 0, dropped = 0;
};

Data load_data(const RunContext& ctx, const datasets::Gpt2Tokenizer& bpe) {
  const auto& r = ctx.run.config;
  auto text = mt::read_train_text(data_path(ctx, r["train_src"].as<std::string>()),
                                  data_path(ctx, r["train_tgt"].as<std::string>()),
                                  r["train_lines"].as<int64_t>(), bpe);
  const auto kind = r["vocab"].as<std::string>();
  if (kind != "restricted" && kind != "gpt2")
    fail("train_mt: unknown vocab '", kind, "' (valid: restricted, gpt2)");
  Data d;
  if (kind == "restricted") {
    auto all = text.src;
    all.insert(all.end(), text.tgt.begin(), text.tgt.end());
    d.vocab = mt::Vocab::restricted(all, r["vocab_max"].as<int64_t>());
  } else {
    d.vocab = mt::Vocab::full();
  }
  const auto max_len = static_cast<size_t>(r["max_src_tokens"].as<int64_t>());
  std::vector<mt::Pair> pairs;
  for (size_t i = 0; i < text.src.size(); ++i) {
    if (text.src[i].empty() || text.tgt[i].empty() || text.src[i].size() > max_len ||
        text.tgt[i].size() > max_len) {
      ++d.dropped;
      continue;
    }
    mt::Pair p{d.vocab.encode(text.src[i]), d.vocab.encode(text.tgt[i])};
    p.src.push_back(mt::Vocab::kEos);
    pairs.push_back(std::move(p));
  }
  d.pairs = static_cast<int64_t>(pairs.size());
  d.batches = mt::make_batches(pairs, r["max_tokens"].as<int64_t>());
  return d;
}

/// Translates the first `test_lines` of each newstest year and writes eval/bleu/<year>.
void evaluate(RunContext& ctx, models::EncoderDecoder& model, const Data& data,
              const datasets::Gpt2Tokenizer& bpe) {
  const auto& r = ctx.run.config;
  model->eval();
  mt::DecodeOptions o;
  o.beam = r["decode"].as<std::string>() == "greedy" ? 1 : r["beam"].as<int64_t>();
  o.length_penalty = r["length_penalty"].as<double>();
  o.max_len_a = r["max_len_a"].as<double>(), o.max_len_b = r["max_len_b"].as<int64_t>();
  const auto decode_kind = r["decode"].as<std::string>();
  if (decode_kind != "beam" && decode_kind != "greedy")
    fail("train_mt: unknown decode '", decode_kind, "' (valid: beam, greedy)");
  const int64_t lines = r["test_lines"].as<int64_t>(), per_batch = r["decode_batch"].as<int64_t>();
  const auto max_src = static_cast<size_t>(model->config().max_len - 1);
  text::Bleu bleu;
  auto& g = ctx.group;
  std::vector<double> scores;
  for (int year : r["test_years"].as<std::vector<int>>()) {
    auto set = datasets::read_wmt_newstest(ctx.data_dir, year, /*filtered=*/true);
    if (lines > 0 && static_cast<size_t>(lines) < set.source.size())
      set.source.resize(lines), set.reference.resize(lines);
    auto ids = bpe.encode_batch(set.source, 1);
    std::vector<std::vector<int64_t>> src;
    for (auto& s : ids) {
      auto local = data.vocab.encode(s);
      if (local.size() > max_src - 1) local.resize(max_src - 1);
      local.push_back(mt::Vocab::kEos);
      src.push_back(std::move(local));
    }
    // Sorted by length so that a batch pads little; hypotheses return to the input order.
    std::vector<size_t> order(src.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return src[a].size() < src[b].size(); });
    std::vector<std::string> hyps(src.size());
    ctx.progress.begin("  newstest" + std::to_string(year), static_cast<int64_t>(src.size()));
    for (size_t i = 0; i < order.size(); i += static_cast<size_t>(per_batch)) {
      std::vector<std::vector<int64_t>> rows;
      const size_t end = std::min(order.size(), i + static_cast<size_t>(per_batch));
      for (size_t j = i; j < end; ++j) rows.push_back(src[order[j]]);
      auto batch = mt::pad_right(rows, mt::Vocab::kPad);
      std::vector<std::vector<int64_t>> out;
      if (o.beam == 1 && decode_kind == "greedy") {
        out = mt::greedy_decode(model, batch, o);
      } else {
        for (auto& h : mt::beam_search(model, batch, o)) out.push_back(std::move(h.tokens));
      }
      for (size_t j = i; j < end; ++j) {
        auto text = mt::detokenize_bpe(bpe, data.vocab.decode(out[j - i]));
        const auto b = text.find_first_not_of(' '), e = text.find_last_not_of(' ');
        hyps[order[j]] = b == std::string::npos ? "" : text.substr(b, e - b + 1);
      }
      ctx.progress.update(static_cast<int64_t>(end));
    }
    const auto score = bleu.corpus_score(hyps, {set.reference});
    ctx.progress.end("BLEU " + std::to_string(score.score));
    g.dataset("eval/bleu/" + std::to_string(year)).append(score.score);
    g.dataset("eval/bleu_lines/" + std::to_string(year)).append(static_cast<double>(hyps.size()));
    g.attrs["hyp_example_" + std::to_string(year)] = hyps.empty() ? "" : hyps[0];
    scores.push_back(score.score);
  }
  if (!scores.empty())
    g.dataset("eval/bleu_average")
        .append(std::accumulate(scores.begin(), scores.end(), 0.0) /
                static_cast<double>(scores.size()));
  g.attrs["bleu_signature"] = bleu.signature(1);
  g.attrs["decode"] = o.beam == 1 ? std::string("greedy")
                                  : "beam " + std::to_string(o.beam) + ", length_penalty " +
                                        std::to_string(o.length_penalty);
}

void run(RunContext& ctx) {
  const YAML::Node& r = ctx.run.config;
  if (r["precision"].as<std::string>() != "fp32")
    fail("train_mt: precision '", r["precision"].as<std::string>(),
         "' needs a CUDA build; CPU runs fp32");
  if (const int t = r["threads"].as<int>(); t > 0) torch::set_num_threads(t);
  const auto bpe = datasets::Gpt2Tokenizer::load(ctx.data_dir / "gpt2");
  const Data data = load_data(ctx, bpe);
  const auto config = mt_config(r, data.vocab.size());

  torch::manual_seed(ctx.run.seed);
  models::EncoderDecoder model(config);
  auto params = model->parameters();
  torch::optim::AdamW optimizer(params,
                                torch::optim::AdamWOptions(r["lr"].as<double>())
                                    .betas({r["beta1"].as<double>(), r["beta2"].as<double>()})
                                    .eps(r["eps"].as<double>())
                                    .weight_decay(r["weight_decay"].as<double>()));
  engine::Schedule schedule;
  schedule.kind = "inverse_sqrt";
  schedule.lr = r["lr"].as<double>();
  schedule.steps = r["steps"].as<int64_t>();
  schedule.warmup = r["warmup_steps"].as<int64_t>();

  auto& g = ctx.group;
  g.attrs["params"] = models::param_count(config);
  g.attrs["variant"] = config.variant;
  g.attrs["init"] = config.init_name();
  g.attrs["vocab_size"] = config.vocab;
  g.attrs["vocab"] = data.vocab.is_restricted() ? std::string("restricted") : std::string("gpt2");
  g.attrs["train_pairs"] = data.pairs;
  g.attrs["train_pairs_dropped"] = data.dropped;
  g.attrs["batches_per_epoch"] = static_cast<int64_t>(data.batches.size());
  g.attrs["residual_alpha_encoder"] = model->encoder_alpha();
  g.attrs["residual_alpha_decoder"] = model->decoder_alpha();
  if (config.init_name() == "deepnet") {
    const auto k = models::deepnet_constants(config.n_encoder_layers, config.n_decoder_layers);
    g.attrs["deepnet_encoder_alpha"] = k.encoder_alpha;
    g.attrs["deepnet_encoder_beta"] = k.encoder_beta;
    g.attrs["deepnet_decoder_alpha"] = k.decoder_alpha;
    g.attrs["deepnet_decoder_beta"] = k.decoder_beta;
    g.attrs["deepnet_constants"] = std::string(
        "Wang et al. 2022 Table 1: encoder alpha = 0.81 (N^4 M)^(1/16), beta = 0.87 "
        "(N^4 M)^(-1/16) (torchscale: 1/1.15); decoder alpha = (3M)^(1/4), beta = "
        "(12M)^(-1/4)");
  }
  for (const char* s : {"train/step", "train/tokens"}) g.dataset(s).integer = true;
  for (const char* s : {"train", "eval"}) g.groups.erase(s);
  if (ctx.resume)
    std::fprintf(stderr, "  %s: train_mt does not resume; training from the start\n",
                 ctx.run.name.c_str());

  const int64_t steps = r["steps"].as<int64_t>();
  const int64_t checkpoint_every = r["checkpoint_every"].as<int64_t>();
  const auto average_last = static_cast<size_t>(r["average_last"].as<int64_t>());
  const double epsilon = r["label_smoothing"].as<double>(), clip = r["clip"].as<double>();
  const double diverge_factor = r["diverge_factor"].as<double>();
  const int64_t diverge_patience = r["diverge_patience"].as<int64_t>();
  std::deque<std::vector<torch::Tensor>> checkpoints;  // the last `average_last` snapshots
  std::mt19937_64 rng(static_cast<uint64_t>(ctx.run.seed));
  std::vector<size_t> order(data.batches.size());
  size_t cursor = order.size();
  int64_t tokens = 0, above = 0;
  double running_min = INFINITY;
  std::string status = "ok";
  ctx.progress.begin("  " + ctx.run.name, steps);
  model->train();
  for (int64_t step = 0; step < steps; ++step) {
    const auto t0 = std::chrono::steady_clock::now();
    if (cursor == order.size()) {  // a new epoch: batches in a fresh random order
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      cursor = 0;
    }
    const auto& b = data.batches[order[cursor++]];
    const double lr = schedule.at(step);
    for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
    optimizer.zero_grad();
    auto ls = models::label_smoothed_cross_entropy(model->forward(b.src, b.prev), b.target, epsilon,
                                                   mt::Vocab::kPad);
    const double n = static_cast<double>(ls.tokens);
    (ls.loss / n).backward();  // per target token, as fairseq's sample_size = ntokens
    const double loss = ls.loss.item<double>() / n, nll = ls.nll.item<double>() / n;
    const double grad_norm = torch::nn::utils::clip_grad_norm_(params, clip);
    const bool finite = std::isfinite(loss) && std::isfinite(grad_norm);
    if (finite) optimizer.step();
    tokens += ls.tokens;
    g.dataset("train/step").append(static_cast<double>(step));
    g.dataset("train/tokens").append(static_cast<double>(tokens));
    g.dataset("train/loss").append(loss);
    g.dataset("train/nll").append(nll);
    g.dataset("train/grad_norm").append(grad_norm);
    g.dataset("train/lr").append(lr);
    g.dataset("train/seconds")
        .append(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    running_min = std::min(running_min, loss);
    above = loss > diverge_factor * running_min ? above + 1 : 0;
    if (!finite || above >= diverge_patience) {
      status = "diverged@" + std::to_string(step);
      break;
    }
    if (average_last > 0 &&
        ((checkpoint_every > 0 && (step + 1) % checkpoint_every == 0) || step + 1 == steps)) {
      std::vector<torch::Tensor> snapshot;
      for (const auto& p : params) snapshot.push_back(p.detach().clone());
      checkpoints.push_back(std::move(snapshot));
      if (checkpoints.size() > average_last) checkpoints.pop_front();
    }
    char buf[96];
    std::snprintf(buf, sizeof buf, "loss %.4f nll %.4f gnorm %.3f lr %.2e", loss, nll, grad_norm,
                  lr);
    ctx.progress.update(step + 1, buf);
  }
  g.attrs["status"] = status;
  ctx.progress.end(status);
  if (status != "ok") return;  // a diverged run has no BLEU (Table 5's N/A)
  if (!checkpoints.empty()) {  // checkpoint averaging (Vaswani et al. 2017 §6.1)
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params.size(); ++i) {
      auto sum = torch::zeros_like(params[i]);
      for (const auto& c : checkpoints) sum += c[i];
      params[i].copy_(sum / static_cast<double>(checkpoints.size()));
    }
    g.attrs["averaged_checkpoints"] = static_cast<int64_t>(checkpoints.size());
  }
  evaluate(ctx, model, data, bpe);
}

/// Resolves the model (vocabulary size is a placeholder until the data is read) and the names.
void validate(const YAML::Node& r) {
  mt_config(r, /*vocab=*/models::mt_flavor(r["size"].as<std::string>()).config.vocab);
  const auto vocab = r["vocab"].as<std::string>(), decode = r["decode"].as<std::string>();
  if (vocab != "restricted" && vocab != "gpt2")
    fail("train_mt: unknown vocab '", vocab, "' (valid: restricted, gpt2)");
  if (decode != "beam" && decode != "greedy")
    fail("train_mt: unknown decode '", decode, "' (valid: beam, greedy)");
}

SPIKEBENCH_REGISTER(Runner, "train_mt",
                    "train the encoder-decoder on WMT En-De (App. D); BLEU per newstest year",
                    kDefaults, /*needs_data=*/true, run, validate);

}  // namespace
}  // namespace spikebench
