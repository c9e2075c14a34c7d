// Runner `train_mt` (App. D, Tables 4-5): trains the encoder-decoder on WMT En-De with fairseq's
// recipe — token-based batches (max tokens), label-smoothed cross entropy (ε = 0.1), Adam
// (β2 = 0.98, weight decay 0), gradient clipping 0.1, inverse-sqrt schedule with warmup — then
// translates the first lines of newstest2010-2016 (beam search or greedy), detokenizes, and
// scores each year with the SacreBLEU-identical corpus BLEU (metrics/bleu.h). The update
// is the engine's (engine::Trainer: fp32/bf16/fp16, data parallel), the stability monitor the
// one train_lm uses (a diverged run is Table 5's N/A: no BLEU), the loop engine::fit with the
// same callbacks and interventions, and --resume is bit-identical.
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <numeric>
#include <random>

#include "core/error.h"
#include "datasets/bpe.h"
#include "datasets/wmt.h"
#include "metrics/bleu.h"
#include "models/encoder_decoder.h"
#include "models/label_smoothing.h"
#include "suite/engine/callbacks.h"
#include "suite/engine/checkpoint.h"
#include "suite/engine/fit.h"
#include "suite/engine/run_log.h"
#include "suite/engine/schedule.h"
#include "suite/engine/train_mt_config.h"
#include "suite/engine/trainer.h"
#include "suite/mt/corpus.h"
#include "suite/mt/decoding.h"
#include "suite/progress.h"
#include "suite/runner.h"

namespace spikebench::engine {
namespace {

namespace fs = std::filesystem;

fs::path data_path(const RunContext& ctx, const std::string& p) {
  return fs::path(p).is_relative() ? ctx.env.data_dir / p : fs::path(p);
}

struct Data {
  mt::Vocab vocab;
  std::vector<mt::Batch> batches;
  int64_t pairs = 0, dropped = 0;
  std::vector<std::vector<int32_t>> dev_src;  // held-out in-domain pairs (GPT-2 ids) ...
  std::vector<std::string> dev_ref;           // ... and their detokenized references
  std::vector<mt::Batch> dev_batches;         // ... and as teacher-forced batches (dev NLL)
};

Data make_batches(const RunContext& ctx, const TrainMtConfig& c, const datasets::Gpt2Tokenizer& bpe) {
  auto text = mt::read_train_text(data_path(ctx, c.train_src), data_path(ctx, c.train_tgt),
                                  c.train_lines, bpe);
  Data d;
  const auto max_len = static_cast<size_t>(c.max_src_tokens);
  std::vector<size_t> kept;  // pairs that pass the length filter
  for (size_t i = 0; i < text.src.size(); ++i) {
    if (text.src[i].empty() || text.tgt[i].empty() || text.src[i].size() > max_len ||
        text.tgt[i].size() > max_len) {
      ++d.dropped;
      continue;
    }
    kept.push_back(i);
  }
  if (static_cast<size_t>(c.dev_lines) >= kept.size())
    fail(c.train_src, ": dev_lines ", c.dev_lines, " leaves no training pairs (", kept.size(),
         " after the length filter)");
  // The last dev_lines kept pairs are held out: never trained on, not in the vocabulary.
  const size_t n_train = kept.size() - static_cast<size_t>(c.dev_lines);
  std::vector<size_t> dev_index(kept.begin() + static_cast<std::ptrdiff_t>(n_train), kept.end());
  for (size_t i : dev_index) d.dev_src.push_back(text.src[i]), d.dev_ref.push_back(text.tgt_text[i]);
  if (c.vocab == MtVocab::restricted) {
    std::vector<std::vector<int32_t>> train_side;
    for (size_t k = 0; k < n_train; ++k)
      train_side.push_back(text.src[kept[k]]), train_side.push_back(text.tgt[kept[k]]);
    d.vocab = mt::Vocab::restricted(train_side, c.vocab_max);
  } else {
    d.vocab = mt::Vocab::full();
  }
  std::vector<mt::Pair> pairs;
  for (size_t k = 0; k < n_train; ++k) {
    mt::Pair p{d.vocab.encode(text.src[kept[k]]), d.vocab.encode(text.tgt[kept[k]])};
    p.src.push_back(mt::Vocab::kEos);
    pairs.push_back(std::move(p));
  }
  d.pairs = static_cast<int64_t>(pairs.size());
  d.batches = mt::make_batches(pairs, c.max_tokens);
  std::vector<mt::Pair> dev;
  for (size_t i : dev_index) {
    mt::Pair p{d.vocab.encode(text.src[i]), d.vocab.encode(text.tgt[i])};
    p.src.push_back(mt::Vocab::kEos);
    dev.push_back(std::move(p));
  }
  if (!dev.empty()) d.dev_batches = mt::make_batches(dev, c.max_tokens);
  return d;
}

/// The batch of update `step`: every epoch visits the batches in a fresh order drawn from
/// (seed, epoch), so the sequence is a function of the step alone and --resume needs no state.
class BatchOrder {
 public:
  BatchOrder(size_t n, int64_t seed) : order_(n), seed_(static_cast<uint64_t>(seed)) {}
  size_t at(int64_t step) {
    const auto n = static_cast<int64_t>(order_.size());
    if (step / n != epoch_) {
      epoch_ = step / n;
      std::iota(order_.begin(), order_.end(), 0);
      std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch_));
      std::shuffle(order_.begin(), order_.end(), rng);
    }
    return order_[static_cast<size_t>(step % n)];
  }

 private:
  std::vector<size_t> order_;
  uint64_t seed_;
  int64_t epoch_ = -1;
};

/// One update on a token batch: each rank trains its rows; the loss is per target token over
/// the whole batch (fairseq's sample_size = ntokens), so gradients do not depend on the split.
StepStats train_update(Trainer& trainer, models::EncoderDecoder& model, const mt::Batch& b,
                       double lr, double epsilon, double* nll, const StepHooks& hooks,
                       int64_t step) {
  const int64_t world = trainer.world_size(), rows = b.src.size(0);
  if (rows < world)
    fail("train_mt: a batch of ", rows, " sentences cannot be split over ", world, " ranks");
  const int64_t lo = trainer.rank() * rows / world, hi = (trainer.rank() + 1) * rows / world;
  const auto& dev = trainer.device();
  const double tokens = static_cast<double>(b.target_tokens);
  double nll_sum = 0;
  auto st = trainer.update(
      lr, 1,
      [&](int64_t) {
        auto ls = models::label_smoothed_cross_entropy(
            model->forward(b.src.slice(0, lo, hi).to(dev), b.prev.slice(0, lo, hi).to(dev)),
            b.target.slice(0, lo, hi).to(dev), epsilon, mt::Vocab::kPad);
        nll_sum = ls.nll.item<double>();
        return MicroLoss{ls.loss * (static_cast<double>(world) / tokens),
                         ls.loss.item<double>() / tokens};
      },
      /*layer_norms=*/false, &hooks, step);
  *nll = (trainer.comm() ? trainer.comm()->sum(nll_sum) : nll_sum) / tokens;
  return st;
}

/// The last `keep` parameter snapshots (checkpoint averaging, Vaswani et al. 2017 §6.1), one at
/// each checkpoint and after the last update; checkpointed with the run so that --resume
/// averages the same snapshots.
struct Snapshots final : Callback {
  Snapshots(size_t keep, std::vector<torch::Tensor>& params, int64_t every, int64_t steps)
      : keep(keep), params(params), every(every), steps(steps) {}
  size_t keep;
  std::vector<torch::Tensor>& params;
  int64_t every, steps;
  std::deque<std::vector<torch::Tensor>> taken;
  std::string name() const override { return "snapshots"; }
  void after_update(const Update& u) override {
    if (keep > 0 && every > 0 && ((u.step + 1) % every == 0 || u.step + 1 == steps)) take(params);
  }
  bool has_state() const override { return true; }
  void save(torch::serialize::OutputArchive& a) const override;
  void load(torch::serialize::InputArchive& a) override;
  void take(const std::vector<torch::Tensor>& params) {
    std::vector<torch::Tensor> s;
    for (const auto& p : params) s.push_back(p.detach().clone());
    taken.push_back(std::move(s));
    if (taken.size() > keep) taken.pop_front();
  }
  /// params ← the mean of the snapshots.
  void average_into(std::vector<torch::Tensor>& params) const {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params.size(); ++i) {
      auto sum = torch::zeros_like(params[i]);
      for (const auto& s : taken) sum += s[i].to(params[i].device());
      params[i].copy_(sum / static_cast<double>(taken.size()));
    }
  }
};

void Snapshots::save(torch::serialize::OutputArchive& a) const {
  a.write("count", torch::tensor(static_cast<int64_t>(taken.size())));
  for (size_t i = 0; i < taken.size(); ++i)
    for (size_t j = 0; j < taken[i].size(); ++j)
      a.write("s" + std::to_string(i) + "_" + std::to_string(j), taken[i][j]);
}

void Snapshots::load(torch::serialize::InputArchive& a) {
  torch::Tensor count;
  a.read("count", count);
  taken.clear();
  for (int64_t i = 0; i < count.item<int64_t>(); ++i) {
    std::vector<torch::Tensor> s(params.size());
    for (size_t j = 0; j < params.size(); ++j)
      a.read("s" + std::to_string(i) + "_" + std::to_string(j), s[j]);
    taken.push_back(std::move(s));
  }
}

void write_model_attrs(results::Group& g, const models::EncoderDecoder& model, const Data& data) {
  const auto& config = model->config();
  g.attrs["params"] = models::param_count(config);
  g.attrs["variant"] = config.variant;
  g.attrs["init"] = config.init_name();
  g.attrs["decoder"] = std::string(name_of(config.decoder, models::decoder_attention_names()));
  g.attrs["vocab_size"] = config.vocab;
  g.attrs["vocab"] = data.vocab.is_restricted() ? std::string("restricted") : std::string("gpt2");
  g.attrs["train_pairs"] = data.pairs;
  g.attrs["train_pairs_dropped"] = data.dropped;
  g.attrs["batches_per_epoch"] = static_cast<int64_t>(data.batches.size());
  g.attrs["residual_alpha_encoder"] = model->encoder_alpha();
  g.attrs["residual_alpha_decoder"] = model->decoder_alpha();
  if (config.init_name() == "deepnet") {
    const auto k = models::deepnet_constants(config.n_encoder_layers, config.n_decoder_layers,
                                             config.decoder_sublayers());
    g.attrs["deepnet_encoder_alpha"] = k.encoder_alpha;
    g.attrs["deepnet_encoder_beta"] = k.encoder_beta;
    g.attrs["deepnet_decoder_alpha"] = k.decoder_alpha;
    g.attrs["deepnet_decoder_beta"] = k.decoder_beta;
    g.attrs["deepnet_constants"] = std::string(
        "Wang et al. 2022 Table 1: encoder alpha = 0.81 (N^4 M)^(1/16), beta = 0.87 "
        "(N^4 M)^(-1/16) (torchscale: 1/1.15); decoder alpha = (kM)^(1/4), beta = "
        "(4kM)^(-1/4) with k = " + std::to_string(config.decoder_sublayers()) +
        " sub-layers per decoder layer (k = 3: Table 1's encoder-decoder row; k = 2: its "
        "decoder-only row, Peitz et al.'s cross+self decoder)");
  }
}

/// Teacher-forced NLL per target token (no label smoothing) of the held-out pairs: what a model
/// too small to translate still measures (Table 5's cpu proxy).
double dev_nll(models::EncoderDecoder& model, const Data& data, const torch::Device& device) {
  torch::NoGradGuard no_grad;
  model->eval();
  double sum = 0, tokens = 0;
  for (const auto& b : data.dev_batches) {
    auto ls = models::label_smoothed_cross_entropy(
        model->forward(b.src.to(device), b.prev.to(device)), b.target.to(device), 0.0,
        mt::Vocab::kPad);
    sum += ls.nll.item<double>(), tokens += static_cast<double>(ls.tokens);
  }
  return sum / tokens;
}

/// Translates the first `test_lines` of each newstest year and writes eval/bleu/<year>.
/// Translates GPT-2-id sources (decoded in length-sorted batches; hypotheses come back in
/// input order) into detokenized text.
std::vector<std::string> translate(RunContext& ctx, const TrainMtConfig& c,
                                   models::EncoderDecoder& model, const Data& data,
                                   const datasets::Gpt2Tokenizer& bpe,
                                   const std::vector<std::vector<int32_t>>& ids,
                                   const mt::DecodeOptions& o, const std::string& label) {
  const auto max_src = static_cast<size_t>(model->config().max_len - 1);
  const auto per_batch = static_cast<size_t>(c.decode_batch);
  std::vector<std::vector<int64_t>> src;
  for (const auto& s : ids) {
    auto local = data.vocab.encode(s);
    if (local.size() > max_src - 1) local.resize(max_src - 1);
    local.push_back(mt::Vocab::kEos);
    src.push_back(std::move(local));
  }
  std::vector<size_t> order(src.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return src[a].size() < src[b].size(); });
  std::vector<std::string> hyps(src.size());
  ctx.progress.begin("  " + label, static_cast<int64_t>(src.size()));
  for (size_t i = 0; i < order.size(); i += per_batch) {
    std::vector<std::vector<int64_t>> rows;
    const size_t end = std::min(order.size(), i + per_batch);
    for (size_t j = i; j < end; ++j) rows.push_back(src[order[j]]);
    auto batch = mt::pad_right(rows, mt::Vocab::kPad);
    std::vector<std::vector<int64_t>> out;
    if (c.decode == DecodeKind::greedy) {
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
  return hyps;
}

/// Translates the first `test_lines` of each newstest year (eval/bleu/<year>) and the held-out
/// in-domain pairs (eval/bleu/dev), scored with the SacreBLEU-identical corpus BLEU.
void evaluate(RunContext& ctx, const TrainMtConfig& c, models::EncoderDecoder& model,
              const Data& data, const datasets::Gpt2Tokenizer& bpe) {
  model->eval();
  torch::NoGradGuard no_grad;
  mt::DecodeOptions o;
  o.beam = c.decode == DecodeKind::greedy ? 1 : c.beam;
  o.length_penalty = c.length_penalty;
  o.max_len_a = c.max_len_a, o.max_len_b = c.max_len_b;
  text::Bleu bleu;
  auto& g = ctx.group;
  std::vector<double> scores;
  auto score = [&](const std::string& key, const std::vector<std::string>& hyps,
                   const std::vector<std::string>& refs) {
    const auto s = bleu.corpus_score(hyps, {refs});
    ctx.progress.end("BLEU " + std::to_string(s.score));
    g.dataset("eval/bleu/" + key).append(s.score);
    g.dataset("eval/bleu_lines/" + key).append(static_cast<double>(hyps.size()));
    g.attrs["hyp_example_" + key] = hyps.empty() ? "" : hyps[0];
    return s.score;
  };
  for (const int64_t year : c.test_years) {
    auto set = datasets::read_wmt_newstest(ctx.env.data_dir, static_cast<int>(year), true);
    if (c.test_lines > 0 && static_cast<size_t>(c.test_lines) < set.source.size())
      set.source.resize(c.test_lines), set.reference.resize(c.test_lines);
    const auto hyps = translate(ctx, c, model, data, bpe, bpe.encode_batch(set.source, 1), o,
                                "newstest" + std::to_string(year));
    scores.push_back(score(std::to_string(year), hyps, set.reference));
  }
  if (!scores.empty())
    g.dataset("eval/bleu_average")
        .append(std::accumulate(scores.begin(), scores.end(), 0.0) /
                static_cast<double>(scores.size()));
  if (!data.dev_src.empty())
    score("dev", translate(ctx, c, model, data, bpe, data.dev_src, o, "held-out dev"),
          data.dev_ref);
  g.attrs["bleu_signature"] = bleu.signature(1);
  g.attrs["decode"] = o.beam == 1 ? std::string("greedy")
                                  : "beam " + std::to_string(o.beam) + ", length_penalty " +
                                        std::to_string(o.length_penalty);
}

/// train_mt's update for engine::fit: the step's batch (BatchOrder) and lr (inverse sqrt),
/// the update, and its teacher-forced NLL (train/nll).
StepFn mt_update(RunContext& ctx, const TrainMtConfig& c, const Data& data,
                 models::EncoderDecoder& model, Trainer& trainer, int64_t start) {
  auto order = std::make_shared<BatchOrder>(data.batches.size(), c.seed);
  auto tokens = std::make_shared<int64_t>(0);
  for (int64_t s = 0; s < start; ++s) *tokens += data.batches[order->at(s)].target_tokens;
  const Schedule schedule{ScheduleKind::inverse_sqrt, c.lr, c.steps, c.warmup_steps, 0.0};
  return [&, order, tokens, schedule](int64_t step, const StepHooks& hooks) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto& batch = data.batches[order->at(step)];
    Update u;
    u.lr = schedule.at(step);
    double nll = 0;
    u.stats = train_update(trainer, model, batch, u.lr, c.label_smoothing, &nll, hooks, step);
    u.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    u.tokens = *tokens += batch.target_tokens;
    ctx.group.dataset("train/nll").append(nll);
    char buf[96];
    std::snprintf(buf, sizeof buf, "loss %.4f nll %.4f gnorm %.3f lr %.2e", u.stats.loss, nll,
                  u.stats.grad_norm, u.lr);
    u.line = buf;
    return u;
  };
}

void run(RunContext& ctx, const TrainMtConfig& c) {
  const auto bpe = datasets::Gpt2Tokenizer::load(ctx.env.data_dir / "gpt2");
  const Data data = make_batches(ctx, c, bpe);
  const int rank = ctx.comm ? ctx.comm->world().rank : 0;
  const torch::Device device =
      pick_device(c.device, ctx.env, ctx.comm ? ctx.comm->world().local_rank : 0);
  torch::manual_seed(c.seed);  // the same initial weights on every rank
  models::EncoderDecoder model(c.model_for(data.vocab.size()));
  model->to(device);
  to_precision(*model, c.precision);  // fp16: a float16 model (fp32 masters in the Trainer)
  auto params = model->parameters();
  TrainerOptions topt{c.lr,  c.beta1,        c.beta2,
                      c.eps, c.weight_decay, c.clip,
                      0,     c.precision,    c.optimizer == OptimizerKind::adamw_fused,
                      {}};
  topt.atan2 = c.optimizer == OptimizerKind::adam_atan2;
  Trainer trainer(params, {}, topt, device, ctx.comm);
  if (ctx.comm && ctx.comm->world().size > 1)  // dropout masks: an independent stream per rank
    torch::manual_seed(c.seed * 1000003ULL + static_cast<uint64_t>(rank));
  StabilityMonitor monitor(c.stability);
  auto& g = ctx.group;
  // engine::fit's callbacks, in their documented order (suite/engine/callbacks.h).
  MonitorCallback monitoring(monitor, g);
  const auto interventions =
      Interventions::make(c.interventions.names, c.interventions.settings, g);
  Snapshots snapshots(static_cast<size_t>(c.average_last), params, c.checkpoint_every, c.steps);
  Callbacks callbacks{&monitoring};
  interventions.append_to(callbacks);
  callbacks.push_back(&snapshots);
  TrainState state{*model,
                   trainer.optimizer(),
                   nullptr,
                   trainer.scaler(),
                   &monitor,
                   device,
                   rank,
                   save_states(callbacks),
                   load_states(callbacks)};
  if (!trainer.master_params().empty()) state.master = &trainer.master_params();
  CheckpointCallback checkpoints(ctx, state, c.checkpoint_every, c.steps);
  ProgressCallback progress(ctx.progress);
  callbacks.push_back(&checkpoints);
  callbacks.push_back(&progress);
  bind_state(callbacks, state);
  write_model_attrs(g, model, data);
  const int64_t start = start_or_resume(ctx, state);
  if (start == 0) g.dataset("train/tokens").integer = true;
  ctx.progress.begin("  " + ctx.run.name, c.steps);
  model->train();
  const std::string status =
      fit(start, c.steps, mt_update(ctx, c, data, model, trainer, start), callbacks);
  g.attrs["status"] = status;
  g.attrs["loss_spike_score"] = monitor.loss_spike_score();
  g.attrs["grad_spike_score"] = monitor.grad_spike_score();
  ctx.progress.end(status);
  if (status != "ok" || rank != 0) return;  // a diverged run has no BLEU (Table 5's N/A)
  if (!snapshots.taken.empty()) {
    snapshots.average_into(params);
    g.attrs["averaged_checkpoints"] = static_cast<int64_t>(snapshots.taken.size());
  }
  AutocastScope autocast(c.precision, device.type());
  if (!data.dev_batches.empty()) g.dataset("eval/dev_nll").append(dev_nll(model, data, device));
  evaluate(ctx, c, model, data, bpe);
}

SPIKEBENCH_RUNNER("train_mt", TrainMtConfig,
                  "train the encoder-decoder on WMT En-De (App. D); BLEU per newstest year",
                  train_mt_defaults, /*needs_data=*/true, run);

}  // namespace
}  // namespace spikebench::engine
