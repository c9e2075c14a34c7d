// Encode throughput of the GPT-2 tokenizer in bytes/s on WikiText-2 raw test (one string) and
// the allenai C4 sample (1,000 documents), on 1 and 2 threads. Names: BM_encode/<text>/threads:N.
// The same work units are timed for tiktoken by scripts/bench-tokenizer.sh.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/data_dir.h"
#include "datasets/bpe.h"
#include "datasets/document.h"
#include "datasets/text_io.h"

namespace {

using spikebench::datasets::Gpt2Tokenizer;

struct Corpus {
  Gpt2Tokenizer tokenizer;
  std::string wiki;             // wikitext/wiki.test.raw as one string
  std::vector<std::string> c4;  // c4/c4-train.00000-of-01024.first1000.json.gz documents
  size_t c4_bytes = 0;
};

const Corpus& corpus() {
  static const Corpus c = [] {
    const auto dir = spikebench::resolve_data_dir();
    Corpus c{Gpt2Tokenizer::load(dir / "gpt2"), {}, {}, 0};
    c.wiki = spikebench::datasets::read_text_file(dir / "wikitext" / "wiki.test.raw");
    spikebench::datasets::JsonlSource src(
        {dir / "c4" / "c4-train.00000-of-01024.first1000.json.gz"});
    spikebench::datasets::Document doc;
    while (src.next(doc)) c.c4_bytes += doc.text.size(), c.c4.push_back(doc.text);
    return c;
  }();
  return c;
}

// wiki.test.raw as ONE string; 2 threads = encode_parallel (cut at safe pre-token boundaries).
void BM_encode_wiki(benchmark::State& state) {
  const auto& c = corpus();
  const unsigned threads = unsigned(state.range(0));
  size_t tokens = 0;
  for (auto _ : state) {
    auto ids = threads == 1 ? c.tokenizer.encode_ordinary(c.wiki)
                            : c.tokenizer.encode_parallel(c.wiki, threads);
    tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations() * c.wiki.size()));
  state.counters["tokens"] = double(tokens);
}

// C4 documents one by one; 2 threads = encode_batch over the document list.
void BM_encode_c4(benchmark::State& state) {
  const auto& c = corpus();
  const unsigned threads = unsigned(state.range(0));
  size_t tokens = 0;
  for (auto _ : state) {
    auto ids = c.tokenizer.encode_batch(c.c4, threads);
    tokens = 0;
    for (const auto& v : ids) tokens += v.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations() * c.c4_bytes));
  state.counters["tokens"] = double(tokens);
}

void BM_load_tokenizer(benchmark::State& state) {
  const auto dir = spikebench::resolve_data_dir() / "gpt2";
  for (auto _ : state) benchmark::DoNotOptimize(Gpt2Tokenizer::load(dir));
}

}  // namespace

BENCHMARK(BM_encode_wiki)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_encode_c4)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_load_tokenizer)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
