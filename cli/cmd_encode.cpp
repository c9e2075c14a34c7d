// `spikebench encode FILE`: GPT-2 ids of a text file, one line of space-separated ids per input
// line (default), per JSON-lines document (--jsonl-field), or for the whole file (--whole-file),
// so any text can be checked against another tokenizer from the shell.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "core/data_dir.h"
#include "core/error.h"
#include "datasets/bpe.h"
#include "datasets/document.h"
#include "datasets/line_encoder.h"
#include "datasets/text_io.h"
#include "cli/command.h"
#include "cli/options.h"

namespace {

namespace po = spikebench::cli::po;
namespace ds = spikebench::datasets;

constexpr const char* kUsage =
    "FILE [--jsonl-field FIELD] [--whole-file] [--allow-special] [--data-dir DIR]\n"
    "FILE is UTF-8 text (.gz is read too; '-' = stdin). Prints one line of ids per input line\n"
    "(the '\\n' itself is not encoded), per JSON-lines document with --jsonl-field, or one line\n"
    "for the whole file with --whole-file (tiktoken encode_ordinary on the whole string).";

void print_ids(const std::vector<int32_t>& ids, std::string& out) {
  ds::append_ids(ids, out);
  if (out.size() > (1 << 20)) std::fwrite(out.data(), 1, out.size(), stdout), out.clear();
}

int run_encode(const std::vector<std::string>& args) {
  po::options_description options("encode options");
  std::string file, field, data_dir;
  bool whole = false, special = false;
  unsigned threads = 0;  // 0: all cores
  options.add_options()("file", po::value(&file)->required(), "input text file (positional)")(
      "jsonl-field", po::value(&field), "JSON lines: encode this string field of each line")(
      "whole-file", po::bool_switch(&whole), "encode the whole file as one string")(
      "allow-special", po::bool_switch(&special), "encode the literal <|endoftext|> as id 50256")(
      "threads", po::value(&threads)->default_value(0), "encoding threads (0 = all cores)")(
      "data-dir", po::value(&data_dir),
      "data folder holding gpt2/ (default: $SPIKEBENCH_DATA_DIR)");
  if (!spikebench::cli::parse("encode", kUsage, options, {{"file", 1}}, args)) return 0;
  if (whole && !field.empty())
    spikebench::fail("spikebench encode: --whole-file and --jsonl-field exclude each other");
  const auto tok = ds::Gpt2Tokenizer::load(spikebench::resolve_data_dir(data_dir) / "gpt2");

  std::string path = file, stdin_copy;
  if (file == "-") {  // stdin: buffer it so every mode works the same way
    stdin_copy.assign(std::istreambuf_iterator<char>(std::cin), {});
    path = "<stdin>";
  }
  auto line_encoder = [&] {
    return ds::LineEncoder(tok, path, {threads, special},
                           [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); });
  };
  std::string out;
  if (whole) {
    std::string text = file == "-" ? stdin_copy : ds::read_text_file(file, /*allow_empty=*/true);
    ds::ensure_utf8(text, path);
    print_ids(special ? tok.encode(text, true) : tok.encode_parallel(text, threads), out);
  } else if (!field.empty()) {
    ds::JsonlSource source({file}, field);
    ds::Document doc;
    ds::BpeCache cache;
    std::vector<int32_t> ids;
    while (source.next(doc)) {
      ids.clear();
      tok.encode(doc.text, special, ids, &cache);
      print_ids(ids, out);
    }
  } else if (file == "-") {
    auto lines = line_encoder();
    for (size_t start = 0; start < stdin_copy.size();) {
      size_t end = std::min(stdin_copy.find('\n', start), stdin_copy.size());
      lines.add(std::string_view(stdin_copy).substr(start, end - start));
      start = end + 1;
    }
    lines.finish();
  } else {
    auto lines = line_encoder();
    ds::LineReader reader(file);
    std::string_view line;
    while (reader.next(line)) lines.add(line);
    lines.finish();
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

SPIKEBENCH_COMMAND("encode", &run_encode);
