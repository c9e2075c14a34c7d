// `spikebench prepare CORPUS --out DIR`: tokenize a corpus once into GPT-2 token shards
// (datasets/shards.h) with a deterministic train/valid split; progress on stderr when a TTY.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "core/data_dir.h"
#include "core/error.h"
#include "datasets/bpe.h"
#include "datasets/shards.h"
#include "cli/command.h"
#include "cli/options.h"

namespace {

namespace po = spikebench::cli::po;
namespace ds = spikebench::datasets;
namespace fs = std::filesystem;

constexpr const char* kUsage =
    "CORPUS... --out DIR [--format F] [--valid-fraction X] [--shard-tokens N] [--threads N]\n"
    "       [--jsonl-field FIELD] [--overwrite] [--data-dir DIR]\n"
    "CORPUS is a corpus name from the data folder — 'enwiki-2015' (WikiExtractor shards,\n"
    "'Nero' excluded), 'c4' (every c4/*.json.gz) — or corpus files. --format (c4, jsonl,\n"
    "wikipedia, lines, text) defaults to c4 for .json/.jsonl(.gz) files, wikipedia for names\n"
    "containing 'wikiextractor', else lines.";

std::vector<fs::path> sorted_glob(const fs::path& dir, const std::string& suffix) {
  std::vector<fs::path> out;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (name.size() >= suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
        out.push_back(e.path());
    }
  std::sort(out.begin(), out.end());
  return out;
}

std::string guess_format(const fs::path& p) {
  const std::string name = p.filename().string();
  for (const char* ext : {".json", ".jsonl", ".json.gz", ".jsonl.gz"}) {
    const std::string e = ext;
    if (name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0)
      return "c4";
  }
  if (name.find("wikiextractor") != std::string::npos) return "wikipedia";
  return "lines";
}

int run_prepare(const std::vector<std::string>& args) {
  po::options_description options("prepare options");
  std::vector<std::string> corpus;
  std::string out, format, data_dir;
  ds::PrepareOptions opt;
  options.add_options()("corpus", po::value(&corpus)->required(),
                        "corpus name or files (positional)")(
      "out,o", po::value(&out)->required(), "output directory (written atomically)")(
      "format,f", po::value(&format), "c4, jsonl, wikipedia, lines or text")(
      "jsonl-field", po::value(&opt.jsonl_field)->default_value("text"), "JSON lines text field")(
      "valid-fraction", po::value(&opt.valid_fraction)->default_value(0.005),
      "share of documents for the valid split (by text hash)")(
      "shard-tokens", po::value(&opt.shard_tokens)->default_value(uint64_t(1) << 28),
      "tokens per shard file before starting the next")(
      "threads,j", po::value(&opt.threads)->default_value(0), "tokenizer threads (0 = all cores)")(
      "overwrite", po::bool_switch(&opt.overwrite), "replace DIR if it exists")(
      "data-dir", po::value(&data_dir), "data folder (default: $SPIKEBENCH_DATA_DIR)");
  if (!spikebench::cli::parse("prepare", kUsage, options, {{"corpus", -1}}, args)) return 0;
  const fs::path data = spikebench::resolve_data_dir(data_dir);

  if (corpus.size() == 1 && corpus[0] == "enwiki-2015") {
    opt.inputs = sorted_glob(data / "corpora" / "enwiki-2015-wikiextractor", ".txt.gz");
    if (format.empty()) format = "wikipedia";
  } else if (corpus.size() == 1 && corpus[0] == "c4") {
    opt.inputs = sorted_glob(data / "c4", ".json.gz");
    if (format.empty()) format = "c4";
  } else {
    for (const auto& c : corpus) opt.inputs.emplace_back(c);
    if (format.empty()) format = guess_format(opt.inputs.front());
  }
  if (opt.inputs.empty())
    spikebench::fail("spikebench prepare: corpus '", corpus[0], "' has no files under ",
                     data.string());
  opt.format = format;
  opt.out_dir = out;

  const auto tok = ds::Gpt2Tokenizer::load(data / "gpt2");
  const bool tty = isatty(STDERR_FILENO);
  const auto t0 = std::chrono::steady_clock::now();
  auto progress = [&](uint64_t bytes, uint64_t tokens) {
    if (!tty) return;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "\rprepare: %.1f MB read, %.2f M tokens, %.1f MB/s   ", bytes / 1e6,
                 tokens / 1e6, bytes / 1e6 / std::max(s, 1e-9));
  };
  const auto sum = ds::prepare_shards(tok, opt, progress);
  if (tty) std::fprintf(stderr, "\n");
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "prepared " << out << " from " << opt.inputs.size() << " file(s) (" << format
            << ") in " << s << " s: train " << sum.documents[0] << " documents / " << sum.tokens[0]
            << " tokens, valid " << sum.documents[1] << " / " << sum.tokens[1] << ", "
            << sum.files.size() << " shard file(s)\n";
  return 0;
}

}  // namespace

SPIKEBENCH_COMMAND("prepare", &run_prepare);
