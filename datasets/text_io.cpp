// LineReader over zlib's gz* API (transparent for plain files), whole-file reads, UTF-8 checks.
#include "datasets/text_io.h"

#include <zlib.h>

#include <cstring>

#include "core/error.h"
#include "datasets/utf8.h"

namespace spikebench::datasets {

void ensure_utf8(std::string_view text, const std::string& path, size_t first_line) {
  size_t bad = find_invalid_utf8(text);
  if (bad == std::string_view::npos) return;
  size_t line = first_line, line_start = 0;
  for (size_t i = 0; i < bad; ++i)
    if (text[i] == '\n') ++line, line_start = i + 1;
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[bad]));
  fail(path, ":", line, ":", bad - line_start + 1, ": invalid UTF-8 (byte ", hex, ")");
}

LineReader::LineReader(const std::filesystem::path& path) : path_(path.string()) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail(path_, ": no such file");
  if (std::filesystem::file_size(path, ec) == 0) fail(path_, ": file is empty");
  gz_ = gzopen(path_.c_str(), "rb");
  if (!gz_) fail(path_, ": cannot open: ", std::strerror(errno));
  gzbuffer(static_cast<gzFile>(gz_), 1 << 18);
}

LineReader::~LineReader() {
  if (gz_) gzclose(static_cast<gzFile>(gz_));
}

bool LineReader::fill() {
  if (eof_) return false;
  if (pos_ > 0) buf_.erase(0, pos_), pos_ = 0;
  size_t old = buf_.size();
  constexpr size_t kChunk = 1 << 20;
  buf_.resize(old + kChunk);
  int n = gzread(static_cast<gzFile>(gz_), buf_.data() + old, unsigned(kChunk));
  if (n < 0) {
    int code = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &code);
    fail(path_, ":", line_no_ + 1, ": cannot read (", msg ? msg : "error",
         "); a truncated or corrupt .gz file?");
  }
  buf_.resize(old + size_t(n));
  if (n == 0) {
    int code = 0;
    gzerror(static_cast<gzFile>(gz_), &code);
    if (code != Z_OK && code != Z_STREAM_END)
      fail(path_, ":", line_no_ + 1, ": unexpected end of compressed data (truncated .gz?)");
    eof_ = true;
    return false;
  }
  return true;
}

bool LineReader::next(std::string_view& line) {
  for (;;) {
    size_t nl = buf_.find('\n', pos_);
    if (nl != std::string::npos) {
      line = std::string_view(buf_).substr(pos_, nl - pos_);
      consumed_ += nl + 1 - pos_;
      pos_ = nl + 1;
      ++line_no_;
      return true;
    }
    if (!fill()) {
      if (pos_ >= buf_.size()) return false;
      line_.assign(buf_, pos_, std::string::npos);  // last line without '\n'
      consumed_ += line_.size();
      pos_ = buf_.size();
      ++line_no_;
      line = line_;
      return true;
    }
  }
}

std::string read_text_file(const std::filesystem::path& path, bool allow_empty) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail(path.string(), ": no such file");
  if (std::filesystem::file_size(path, ec) == 0) {
    if (allow_empty) return {};
    fail(path.string(), ": file is empty");
  }
  gzFile gz = gzopen(path.string().c_str(), "rb");
  if (!gz) fail(path.string(), ": cannot open: ", std::strerror(errno));
  std::string out;
  constexpr size_t kChunk = 1 << 20;
  for (;;) {
    size_t old = out.size();
    out.resize(old + kChunk);
    int n = gzread(gz, out.data() + old, unsigned(kChunk));
    if (n < 0) {
      int code = 0;
      std::string msg = gzerror(gz, &code);
      gzclose(gz);
      fail(path.string(), ": cannot read (", msg, "); a truncated or corrupt .gz file?");
    }
    out.resize(old + size_t(n));
    if (n == 0) break;
  }
  int code = 0;
  gzerror(gz, &code);
  gzclose(gz);
  if (code != Z_OK && code != Z_STREAM_END)
    fail(path.string(), ": unexpected end of compressed data (truncated .gz?)");
  if (out.empty() && !allow_empty) fail(path.string(), ": file is empty");
  return out;
}

}  // namespace spikebench::datasets
