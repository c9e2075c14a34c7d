#include "datasets/line_encoder.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <thread>

#include "datasets/text_io.h"

namespace spikebench::datasets {

void append_ids(const std::vector<int32_t>& ids, std::string& out) {
  // std::to_chars, not snprintf: formatting took 2.5x the instructions of the BPE itself.
  const size_t at = out.size();
  out.resize(at + ids.size() * 12 + 1);  // an int32 is at most 11 characters, plus a separator
  char* p = out.data() + at;
  char* const end = out.data() + out.size();
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) *p++ = ' ';
    p = std::to_chars(p, end, ids[i]).ptr;
  }
  *p++ = '\n';
  out.resize(size_t(p - out.data()));
}

/// Lines stored contiguously, each followed by '\n'; worker k formats the k-th contiguous share.
struct LineEncoder::Batch {
  std::string text;
  std::vector<size_t> starts;  // offset of each line in text
  size_t first_line = 1;       // 1-based number of the first line
  std::vector<std::string> outs;
  std::vector<std::exception_ptr> errors;
  std::vector<std::thread> workers;

  size_t end_of(size_t i) const { return i + 1 < starts.size() ? starts[i + 1] : text.size(); }
  void join() {
    for (auto& t : workers) t.join();
    workers.clear();
  }
  void clear() { text.clear(), starts.clear(), outs.clear(), errors.clear(); }
  ~Batch() { join(); }  // also when starting the workers failed half-way
};

LineEncoder::LineEncoder(const Gpt2Tokenizer& tokenizer, std::string path, Options options,
                         Write write)
    : tokenizer_(tokenizer),
      path_(std::move(path)),
      options_(options),
      write_(std::move(write)),
      filling_(std::make_unique<Batch>()) {
  if (options_.threads == 0) options_.threads = std::max(1u, std::thread::hardware_concurrency());
  caches_.resize(options_.threads);
}

LineEncoder::~LineEncoder() = default;  // the batches join their workers

void LineEncoder::add(std::string_view line) {
  Batch& b = *filling_;
  if (b.starts.empty()) b.first_line = lines_ + 1;
  b.starts.push_back(b.text.size());
  b.text.append(line);
  b.text += '\n';
  ++lines_;
  if (b.text.size() >= options_.batch_bytes) dispatch();
}

void LineEncoder::finish() {
  dispatch();
  if (!in_flight_) return;
  collect();
  for (const auto& out : in_flight_->outs) write_(out);
  in_flight_.reset();
}

void LineEncoder::collect() {
  in_flight_->join();
  for (const auto& e : in_flight_->errors)
    if (e) std::rethrow_exception(e);  // the earliest share's: the first bad line of the batch
}

void LineEncoder::dispatch() {
  std::unique_ptr<Batch> done;
  if (in_flight_) {
    collect();
    done = std::move(in_flight_);
  }
  if (!filling_->starts.empty()) {
    Batch& b = *filling_;
    const size_t n = b.starts.size();
    const unsigned t = unsigned(std::min<size_t>(options_.threads, n));
    b.outs.assign(t, {});
    b.errors.assign(t, nullptr);
    for (unsigned k = 0; k < t; ++k)
      b.workers.emplace_back(
          [this, &b, k, n, t] { encode_share(b, k, n * k / t, n * (k + 1) / t); });
    in_flight_ = std::move(filling_);
  }
  if (done) {  // written while the workers encode the next batch
    for (const auto& out : done->outs) write_(out);
    done->clear();
  }
  if (!filling_) filling_ = done ? std::move(done) : std::make_unique<Batch>();
}

void LineEncoder::encode_share(Batch& b, unsigned k, size_t i0, size_t i1) noexcept {
  try {
    // Validated per share, so an error names the line and column as the serial loop's does.
    const size_t begin = b.starts[i0], end = b.end_of(i1 - 1);
    ensure_utf8(std::string_view(b.text).substr(begin, end - begin), path_, b.first_line + i0);
    std::string& out = b.outs[k];
    out.reserve((end - begin) * 3 / 2);
    std::vector<int32_t> ids;
    for (size_t i = i0; i < i1; ++i) {
      const std::string_view line(b.text.data() + b.starts[i], b.end_of(i) - b.starts[i] - 1);
      ids.clear();
      tokenizer_.encode(line, options_.allow_special, ids, &caches_[k]);
      append_ids(ids, out);
    }
  } catch (...) {
    b.errors[k] = std::current_exception();
  }
}

}  // namespace spikebench::datasets
