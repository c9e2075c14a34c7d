// bleu_score: a LibTorch-free twin of `spikebench bleu` for scripts (same library, same output):
//   bleu_score [--tokenize T] [--lowercase] [--json|--stats] HYP_FILE REF_FILE [REF_FILE ...]
//   bleu_score [--tokenize T] [--lowercase] --tokenized FILE   (one preprocessed line per line)
// --stats prints "score bp sys_len ref_len counts... totals..." with 17 significant digits.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "metrics/bleu.h"
#include "metrics/text_file.h"

int main(int argc, char** argv) try {
  spikebench::text::BleuOptions opt;
  bool json = false, stats = false, tokenized = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--tokenize" && i + 1 < argc) {
      opt.tokenize = argv[++i];
    } else if (a == "--lowercase") {
      opt.lowercase = true;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--stats") {
      stats = true;
    } else if (a == "--tokenized") {
      tokenized = true;
    } else if (a.rfind("--", 0) == 0) {
      spikebench::fail("bleu_score: unknown option ", a);
    } else {
      files.push_back(a);
    }
  }
  if (tokenized && files.size() == 1) {
    const spikebench::text::Bleu bleu(opt);
    for (const auto& line : spikebench::text::read_segments(files[0]))
      std::cout << bleu.preprocess(line) << "\n";
    return 0;
  }
  if (files.size() < 2)
    spikebench::fail("usage: bleu_score [--tokenize T] [--lowercase] [--json] HYP REF [REF...]");
  const auto hyps = spikebench::text::read_segments(files[0]);
  std::vector<std::vector<std::string>> refs;
  for (size_t k = 1; k < files.size(); ++k) {
    refs.push_back(spikebench::text::read_segments(files[k]));
    if (refs.back().size() != hyps.size())
      spikebench::fail(files[k], ": ", refs.back().size(), " lines, but ", files[0], " has ",
                       hyps.size());
  }
  spikebench::text::Bleu bleu(opt);
  const auto score = bleu.corpus_score(hyps, refs);
  const std::string sig = bleu.signature(static_cast<int>(refs.size()));
  if (stats) {
    std::printf("%.17g %.17g %lld %lld", score.score, score.bp,
                static_cast<long long>(score.sys_len), static_cast<long long>(score.ref_len));
    for (double c : score.counts) std::printf(" %.17g", c);
    for (double t : score.totals) std::printf(" %.17g", t);
    std::printf("\n");
    return 0;
  }
  std::cout << (json ? spikebench::text::format_score_json(score, sig)
                     : spikebench::text::format_score_line(score, sig))
            << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bleu_score: error: " << e.what() << "\n";
  return 1;
}
