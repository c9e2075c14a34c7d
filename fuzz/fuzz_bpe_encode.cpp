// GPT-2 BPE encode of arbitrary bytes: never crashes, and decode(encode(x)) == x for every
// valid UTF-8 x (byte-level BPE is lossless); the first byte chooses allow_special and the
// per-line batch size. The per-line encoder (`spikebench encode`, 2 threads, tiny batches) prints
// the serial loop's bytes, or fails with the message the whole text's UTF-8 check gives.
#include <string>

#include "datasets/line_encoder.h"
#include "datasets/text_io.h"
#include "fuzz/fuzz_gpt2.h"

using namespace spikebench;

namespace {

void check_lines(std::string_view text, bool allow_special, size_t batch_bytes) {
  const auto& tok = fuzz::gpt2_tokenizer();
  std::string expect, expect_error, out, error;
  try {
    datasets::ensure_utf8(text, "in", 1);
    for (size_t start = 0; start < text.size();) {
      const size_t end = std::min(text.find('\n', start), text.size());
      datasets::append_ids(tok.encode(text.substr(start, end - start), allow_special), expect);
      start = end + 1;
    }
  } catch (const Error& e) {
    expect_error = e.what();
  }
  try {
    datasets::LineEncoder lines(tok, "in", {2, allow_special, batch_bytes},
                                [&](std::string_view s) { out.append(s); });
    for (size_t start = 0; start < text.size();) {
      const size_t end = std::min(text.find('\n', start), text.size());
      lines.add(text.substr(start, end - start));
      start = end + 1;
    }
    lines.finish();
  } catch (const Error& e) {
    error = e.what();
  }
  if (error != expect_error) fuzz::property_failed("per-line encode fails as the serial loop");
  if (error.empty() && out != expect) fuzz::property_failed("per-line encode == serial loop");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool allow_special = data[0] & 1;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  fuzz::expect_ok_or_error([&] {
    const auto ids = fuzz::gpt2_tokenizer().encode(text, allow_special);
    if (fuzz::gpt2_tokenizer().decode(ids) != text) fuzz::property_failed("decode(encode(x)) == x");
  });
  check_lines(text, allow_special, size_t(data[0] >> 1) + 1);
  return 0;
}
