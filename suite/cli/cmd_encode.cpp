// `spikebench encode FILE`: GPT-2 ids of a text file, one line of space-separated ids per input
// line (default), per JSON-lines document (--jsonl-field), or for the whole file (--whole-file),
// so any text can be checked against another tokenizer from the shell.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/data_dir.h"
#include "core/error.h"
#include "datasets/bpe.h"
#include "datasets/document.h"
#include "datasets/text_io.h"
#include "suite/cli/command.h"
#include "suite/cli/options.h"

namespace {

namespace po = spikebench::cli::po;
namespace ds = spikebench::datasets;

constexpr const char* kUsage =
    "FILE [--jsonl-field FIELD] [--whole-file] [--allow-special] [--data-dir DIR]\n"
    "FILE is UTF-8 text (.gz is read too; '-' = stdin). Prints one line of ids per input line\n"
    "(the '\\n' itself is not encoded), per JSON-lines document with --jsonl-field, or one line\n"
    "for the whole file with --whole-file (tiktoken encode_ordinary on the whole string).";

/// One output line: the ids separated by spaces.
void append_ids(const std::vector<int32_t>& ids, std::string& out) {
  char buf[16];
  for (size_t i = 0; i < ids.size(); ++i) {
    int n = std::snprintf(buf, sizeof buf, i ? " %d" : "%d", ids[i]);
    out.append(buf, size_t(n));
  }
  out += '\n';
}

void print_ids(const std::vector<int32_t>& ids, std::string& out) {
  append_ids(ids, out);
  if (out.size() > (1 << 20)) std::fwrite(out.data(), 1, out.size(), stdout), out.clear();
}

/// Lines encoded on `threads` threads, each formatting a contiguous share of a ~4 MB batch; the
/// shares are written in order, so the output is the serial loop's byte for byte. flush() writes
/// what is left (not the destructor: after an error nothing more is printed).
class ParallelLines {
 public:
  template <class Encode>
  ParallelLines(unsigned threads, Encode encode) : threads_(threads), encode_(std::move(encode)) {}
  ParallelLines(const ParallelLines&) = delete;
  ParallelLines& operator=(const ParallelLines&) = delete;

  void add(std::string line) {
    bytes_ += line.size();
    lines_.push_back(std::move(line));
    if (bytes_ >= kBatchBytes) flush();
  }
  void flush() {
    const size_t n = lines_.size();
    const unsigned t = unsigned(std::min<size_t>(threads_, std::max<size_t>(1, n)));
    std::vector<std::string> outs(t);
    auto work = [&](unsigned k) {
      for (size_t i = n * k / t; i < n * (k + 1) / t; ++i) append_ids(encode_(lines_[i]), outs[k]);
    };
    std::vector<std::thread> pool;
    for (unsigned k = 1; k < t; ++k) pool.emplace_back(work, k);
    work(0);
    for (auto& th : pool) th.join();
    for (const auto& o : outs) std::fwrite(o.data(), 1, o.size(), stdout);
    lines_.clear();
    bytes_ = 0;
  }

 private:
  static constexpr size_t kBatchBytes = size_t(4) << 20;
  unsigned threads_;
  std::function<std::vector<int32_t>(const std::string&)> encode_;
  std::vector<std::string> lines_;
  size_t bytes_ = 0;
};

int run_encode(const std::vector<std::string>& args) {
  po::options_description options("encode options");
  std::string file, field, data_dir;
  options.add_options()("file", po::value(&file)->required(), "input text file (positional)")(
      "jsonl-field", po::value(&field), "JSON lines: encode this string field of each line")(
      "whole-file", po::bool_switch(), "encode the whole file as one string")(
      "allow-special", po::bool_switch(), "encode the literal <|endoftext|> as id 50256")(
      "threads", po::value<unsigned>()->default_value(0), "encoding threads (0 = all cores)")(
      "data-dir", po::value(&data_dir),
      "data folder holding gpt2/ (default: $SPIKEBENCH_DATA_DIR)");
  const auto vm = spikebench::cli::parse("encode", kUsage, options, {{"file", 1}}, args);
  if (!vm) return 0;
  const bool whole = (*vm)["whole-file"].as<bool>();
  const bool special = (*vm)["allow-special"].as<bool>();
  if (whole && !field.empty())
    spikebench::fail("spikebench encode: --whole-file and --jsonl-field exclude each other");
  const auto tok = ds::Gpt2Tokenizer::load(spikebench::resolve_data_dir(data_dir) / "gpt2");

  std::string path = file, stdin_copy;
  if (file == "-") {  // stdin: buffer it so every mode works the same way
    stdin_copy.assign(std::istreambuf_iterator<char>(std::cin), {});
    path = "<stdin>";
  }
  auto encode = [&](const std::string& text) {
    return special ? tok.encode(text, true) : tok.encode_ordinary(text);
  };
  unsigned threads = (*vm)["threads"].as<unsigned>();
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::string out;
  if (whole) {
    std::string text = file == "-" ? stdin_copy : ds::read_text_file(file, /*allow_empty=*/true);
    ds::ensure_utf8(text, path);
    print_ids(special ? tok.encode(text, true)
                      : tok.encode_parallel(text, (*vm)["threads"].as<unsigned>()),
              out);
  } else if (file == "-") {
    ParallelLines lines(threads, encode);
    size_t line = 0, start = 0;
    while (start < stdin_copy.size()) {
      size_t end = stdin_copy.find('\n', start);
      if (end == std::string::npos) end = stdin_copy.size();
      std::string text = stdin_copy.substr(start, end - start);
      ds::ensure_utf8(text, path, ++line);
      lines.add(std::move(text));
      start = end + 1;
    }
    lines.flush();
  } else if (!field.empty()) {
    ds::JsonlSource source({file}, field);
    ds::Document doc;
    while (source.next(doc)) print_ids(encode(doc.text), out);
  } else {
    ParallelLines lines(threads, encode);
    ds::LineReader reader(file);
    std::string_view line;
    while (reader.next(line)) {
      ds::ensure_utf8(line, reader.path(), reader.line_number());
      lines.add(std::string(line));
    }
    lines.flush();
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

SPIKEBENCH_COMMAND("encode", &run_encode);
