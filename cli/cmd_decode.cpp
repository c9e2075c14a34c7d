// `spikebench decode [FILE]`: the inverse of `spikebench encode` — reads lines of space-separated
// GPT-2 ids and prints each line's text (followed by '\n' unless --no-newline).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/data_dir.h"
#include "core/error.h"
#include "datasets/bpe.h"
#include "cli/command.h"
#include "cli/options.h"

namespace {

namespace po = spikebench::cli::po;
namespace ds = spikebench::datasets;

constexpr const char* kUsage =
    "[FILE] [--no-newline] [--data-dir DIR]\n"
    "Reads ids (decimal, separated by spaces; one sequence per line) from FILE or stdin and\n"
    "prints the decoded bytes of each line. Use --no-newline after `encode --whole-file`.";

int run_decode(const std::vector<std::string>& args) {
  po::options_description options("decode options");
  std::string file = "-", data_dir;
  bool no_newline = false;
  options.add_options()("file", po::value(&file), "ids file (positional; default stdin)")(
      "no-newline", po::bool_switch(&no_newline), "do not print '\\n' after each decoded line")(
      "data-dir", po::value(&data_dir),
      "data folder holding gpt2/ (default: $SPIKEBENCH_DATA_DIR)");
  if (!spikebench::cli::parse("decode", kUsage, options, {{"file", 1}}, args)) return 0;
  const bool newline = !no_newline;
  const auto tok = ds::Gpt2Tokenizer::load(spikebench::resolve_data_dir(data_dir) / "gpt2");

  std::ifstream in_file;
  if (file != "-") {
    in_file.open(file);
    if (!in_file) spikebench::fail(file, ": cannot open");
  }
  std::istream& in = file == "-" ? std::cin : in_file;
  const std::string name = file == "-" ? "<stdin>" : file;
  std::string line, out;
  std::vector<int32_t> ids;
  for (size_t lineno = 1; std::getline(in, line); ++lineno) {
    ids.clear();
    const char* p = line.c_str();
    for (;;) {
      while (*p == ' ' || *p == '\t' || *p == '\r') ++p;
      if (!*p) break;
      char* end = nullptr;
      long v = std::strtol(p, &end, 10);
      if (end == p || (*end && *end != ' ' && *end != '\t' && *end != '\r'))
        spikebench::fail(name, ":", lineno, ": not a token id: '", std::string(p).substr(0, 20),
                         "'");
      if (v < 0 || v >= ds::Gpt2Tokenizer::kVocabSize)
        spikebench::fail(name, ":", lineno, ": token id ", v, " is outside [0, ",
                         ds::Gpt2Tokenizer::kVocabSize, ")");
      ids.push_back(int32_t(v));
      p = end;
    }
    out += tok.decode(ids);
    if (newline) out += '\n';
    if (out.size() > (1 << 20)) std::fwrite(out.data(), 1, out.size(), stdout), out.clear();
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

SPIKEBENCH_COMMAND("decode", &run_decode);
