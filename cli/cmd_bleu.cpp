// `spikebench bleu HYP --ref REF`: corpus (or sentence) BLEU printed as sacrebleu 2.6.0's command
// line prints it (`sacrebleu REF -i HYP -f text`, or the default `-f json` with --json).
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "cli/command.h"
#include "cli/options.h"
#include "metrics/bleu.h"
#include "metrics/text_file.h"

namespace {

namespace po = spikebench::cli::po;
using spikebench::text::Bleu;
using spikebench::text::BleuOptions;

constexpr const char* kUsage =
    "HYP_FILE --ref REF_FILE [--ref REF_FILE2 ...] [--tokenize 13a|intl|none|char] [--lowercase]\n"
    "       [--smooth-method exp|floor|add-k|none] [--smooth-value V] [--max-ngram-order N]\n"
    "       [--width W] [--sentence-level] [--json]\n"
    "Files are UTF-8, one segment per line (.gz is read too); lines are right-stripped as "
    "sacrebleu does.";

int run_bleu(const std::vector<std::string>& args) {
  po::options_description options("bleu options");
  std::string hyp_path;
  std::vector<std::string> ref_paths;
  BleuOptions opt;
  int width = 1;
  bool sentence_level = false, json = false;
  options.add_options()("hyp", po::value(&hyp_path)->required(), "system output (positional)")(
      "ref,r", po::value(&ref_paths)->composing()->required(), "reference file (repeatable)")(
      "tokenize,t", po::value(&opt.tokenize)->default_value("13a"), "13a, intl, none or char")(
      "lowercase,l", po::bool_switch(&opt.lowercase), "lowercased BLEU (case:lc)")(
      "smooth-method,s", po::value(&opt.smooth_method)->default_value("exp"),
      "exp, floor, add-k or none")("smooth-value", spikebench::cli::maybe(&opt.smooth_value),
                                   "value for floor (default 0.1) or add-k (default 1)")(
      "max-ngram-order", po::value(&opt.max_ngram_order)->default_value(4), "N of BLEU-N")(
      "width,w", po::value(&width)->default_value(1), "decimals of the score")(
      "sentence-level", po::bool_switch(&sentence_level),
      "one score per line (effective order on)")(
      "json", po::bool_switch(&json),
      "print sacrebleu's JSON object instead of the text line (corpus score only)");
  if (!spikebench::cli::parse("bleu", kUsage, options, {{"hyp", 1}}, args)) return 0;
  if (width < 0 || width > 17) spikebench::fail("spikebench bleu: --width must be 0..17");

  const std::vector<std::string> hyps = spikebench::text::read_segments(hyp_path);
  std::vector<std::vector<std::string>> refs;
  for (const std::string& path : ref_paths) {
    refs.push_back(spikebench::text::read_segments(path));
    if (refs.back().size() != hyps.size())
      spikebench::fail(path, ": ", refs.back().size(), " lines, but ", hyp_path, " has ",
                       hyps.size(), " (system and reference streams have different lengths)");
  }
  const int nrefs = static_cast<int>(refs.size());

  if (sentence_level) {
    opt.effective_order = true;  // as sacrebleu's CLI does for --sentence-level
    Bleu bleu(opt);
    const std::string sig = bleu.signature(nrefs);
    for (size_t i = 0; i < hyps.size(); ++i) {
      std::vector<std::string> seg_refs;
      for (const auto& stream : refs) seg_refs.push_back(stream[i]);
      // sacrebleu prints sentence scores as text lines even under `-f json`.
      std::cout << spikebench::text::format_score_line(bleu.sentence_score(hyps[i], seg_refs), sig,
                                                       width)
                << "\n";
    }
    return 0;
  }

  Bleu bleu(opt);
  // sacrebleu (force=False) warns when >= 100 hypotheses end in a tokenized period.
  size_t tokenized = 0;
  for (const std::string& h : hyps)
    tokenized += h.size() >= 2 && h.compare(h.size() - 2, 2, " .") == 0;
  if (tokenized >= 100)
    std::cerr << "spikebench bleu: warning: " << tokenized << " lines of " << hyp_path
              << " end in a tokenized period (' .'); BLEU expects detokenized text\n";
  const auto score = bleu.corpus_score(hyps, refs);
  const std::string sig = bleu.signature(nrefs);
  std::cout << (json ? spikebench::text::format_score_json(score, sig, width)
                     : spikebench::text::format_score_line(score, sig, width))
            << std::endl;
  return 0;
}

}  // namespace

SPIKEBENCH_COMMAND("bleu", &run_bleu);
