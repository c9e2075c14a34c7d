// BLEU throughput in sentences/s on newstest2014 (3,003 segments) and on a real WMT17 system
// output: corpus BLEU end to end (lowercase/rstrip, tokenize, n-gram matching, score) per
// tokenizer.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/data_dir.h"
#include "metrics/bleu.h"
#include "metrics/text_file.h"

namespace {

using spikebench::text::Bleu;
using spikebench::text::BleuOptions;

std::vector<std::string> load(const std::string& rel) {
  return spikebench::text::read_segments((spikebench::resolve_data_dir() / rel).string());
}

// hyp_rel vs ref_rel: newstest2014.en vs newstest2014.de (English source scored as if it were a
// German system output: realistic text, low matches), .de vs itself (every n-gram matches), and
// uedin-nmt's newstest2017 output vs its reference (a real system, BLEU ≈ 28).
void BM_corpus_bleu(benchmark::State& state, std::string tokenize, std::string hyp_rel,
                    std::string ref_rel) {
  const std::vector<std::string> hyps = load(hyp_rel);
  const std::vector<std::vector<std::string>> refs = {load(ref_rel)};
  BleuOptions opt;
  opt.tokenize = tokenize;
  Bleu bleu(opt);
  double score = 0.0;
  for (auto _ : state) {
    score = bleu.corpus_score(hyps, refs).score;
    benchmark::DoNotOptimize(score);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(hyps.size()));
  state.counters["sentences"] = static_cast<double>(hyps.size());
  state.counters["bleu"] = score;
}

// Tokenizer alone (13a), on the German reference side.
void BM_tokenize_13a(benchmark::State& state) {
  const std::vector<std::string> lines = load("wmt/newstest2014.de");
  const spikebench::text::Tokenizer13a tok;
  for (auto _ : state)
    for (const std::string& l : lines) benchmark::DoNotOptimize(tok(l));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(lines.size()));
}

const char* const kWmt17Hyp =
    "oracles/sacrebleu/wmt17_en_de/newstest2017.uedin-nmt.4722.en-de.de.gz";
const char* const kWmt17Ref = "oracles/sacrebleu/wmt17_en_de/newstest2017.en-de.ref.de.gz";

}  // namespace

BENCHMARK_CAPTURE(BM_corpus_bleu, 13a_newstest2014_en_vs_de, "13a", "wmt/newstest2014.en",
                  "wmt/newstest2014.de")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_corpus_bleu, 13a_newstest2014_de_vs_de, "13a", "wmt/newstest2014.de",
                  "wmt/newstest2014.de")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_corpus_bleu, 13a_newstest2017_uedin, "13a", kWmt17Hyp, kWmt17Ref)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_corpus_bleu, intl_newstest2014_en_vs_de, "intl", "wmt/newstest2014.en",
                  "wmt/newstest2014.de")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_corpus_bleu, none_newstest2014_en_vs_de, "none", "wmt/newstest2014.en",
                  "wmt/newstest2014.de")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_tokenize_13a)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
