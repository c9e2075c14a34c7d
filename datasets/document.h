#pragma once
// A training document and the streaming sources that yield them (C4 JSON lines, WikiExtractor
// shards, plain text); `spikebench prepare` turns any source into token shards.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "datasets/text_io.h"

namespace spikebench::datasets {

struct Document {
  std::string text;       ///< UTF-8 (checked by the source)
  std::string id;         ///< url (C4), page id (Wikipedia), "file:line" (plain text)
  std::string timestamp;  ///< C4 "timestamp" or "date" (AI2 layout); empty elsewhere
};

/// A stream of documents over one or more files, read in order.
class DocumentSource {
 public:
  virtual ~DocumentSource() = default;
  /// Next document; false at the end of the last file.
  virtual bool next(Document& doc) = 0;
  /// Uncompressed bytes consumed so far (progress).
  virtual size_t bytes_read() const = 0;
};

/// JSON lines (.json / .jsonl, optionally .gz): one object per line, `field` (default "text")
/// is the document. C4's allenai layout {text,timestamp,url} and AI2's {text,url,date} both work.
/// Blank lines are skipped; a line that is not a JSON object with a string `field` is an Error
/// naming file:line.
class JsonlSource : public DocumentSource {
 public:
  JsonlSource(std::vector<std::filesystem::path> files, std::string field = "text");
  bool next(Document& doc) override;
  size_t bytes_read() const override { return done_bytes_ + (reader_ ? reader_->bytes_read() : 0); }

 private:
  std::vector<std::filesystem::path> files_;
  std::string field_;
  size_t file_ = 0, done_bytes_ = 0;
  std::unique_ptr<LineReader> reader_;
};

/// WikiExtractor output (`<doc id=".." url=".." title="..">` ... `</doc>`, optionally .gz).
/// The `<doc>`/`</doc>` lines are dropped; the title line is kept (it is the article's first
/// line). Articles whose page id is in `exclude_ids` are skipped — by default 21632 ("Nero",
/// which is in the WikiText-103 test set; MANIFEST §8).
class WikiExtractorSource : public DocumentSource {
 public:
  explicit WikiExtractorSource(std::vector<std::filesystem::path> files,
                               std::set<std::string> exclude_ids = {"21632"});
  bool next(Document& doc) override;
  size_t bytes_read() const override { return done_bytes_ + (reader_ ? reader_->bytes_read() : 0); }
  size_t skipped() const { return skipped_; }

 private:
  std::vector<std::filesystem::path> files_;
  std::set<std::string> exclude_;
  size_t file_ = 0, done_bytes_ = 0, skipped_ = 0;
  std::unique_ptr<LineReader> reader_;
};

/// Plain text: each line is a document (`per_line`) or each whole file is one.
class PlainTextSource : public DocumentSource {
 public:
  PlainTextSource(std::vector<std::filesystem::path> files, bool per_line);
  bool next(Document& doc) override;
  size_t bytes_read() const override { return done_bytes_ + (reader_ ? reader_->bytes_read() : 0); }

 private:
  std::vector<std::filesystem::path> files_;
  bool per_line_;
  size_t file_ = 0, done_bytes_ = 0;
  std::unique_ptr<LineReader> reader_;
};

/// Opens `kind` ("c4" / "jsonl", "wikipedia", "lines", "text") over `files`.
std::unique_ptr<DocumentSource> open_source(const std::string& kind,
                                            const std::vector<std::filesystem::path>& files,
                                            const std::string& jsonl_field = "text");

}  // namespace spikebench::datasets
