#pragma once
// Reading text corpora: whole files or line by line, plain or gzip (by content), with errors
// that name the file and line (truncated .gz, empty file, invalid UTF-8).
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace spikebench::datasets {

/// Whole file (gunzipped when it starts with the gzip magic). An empty file is an Error
/// unless `allow_empty`.
std::string read_text_file(const std::filesystem::path& path, bool allow_empty = false);

/// Throws "path:line:column: invalid UTF-8 ..." when `text` is not valid UTF-8. `first_line` is
/// the line number of text's first byte.
void ensure_utf8(std::string_view text, const std::string& path, size_t first_line = 1);

/// Streams the lines of a plain or gzip file (without the '\n'; a final line without '\n' counts).
/// A file with no bytes is an Error; a truncated or corrupt .gz is an Error naming the line.
class LineReader {
 public:
  explicit LineReader(const std::filesystem::path& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  /// Next line into `line` (valid until the next call); false at end of file.
  bool next(std::string_view& line);
  /// 1-based number of the line last returned.
  size_t line_number() const { return line_no_; }
  const std::string& path() const { return path_; }
  /// "path:line" of the line last returned, for error messages.
  std::string where() const { return path_ + ":" + std::to_string(line_no_); }
  /// Bytes consumed from the (uncompressed) stream so far, for progress reports.
  size_t bytes_read() const { return consumed_; }

 private:
  bool fill();
  std::string path_;
  void* gz_ = nullptr;  // gzFile (zlib reads plain files transparently)
  std::string buf_;
  size_t pos_ = 0, line_no_ = 0, consumed_ = 0;
  bool eof_ = false;
  std::string line_;
};

}  // namespace spikebench::datasets
