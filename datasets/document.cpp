// Document sources: JSON lines (C4), WikiExtractor shards (Wikipedia), plain text.
#include "datasets/document.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace spikebench::datasets {
namespace {

// Advances `reader` to the next file when the current one is exhausted; false when none is left.
bool open_next(std::unique_ptr<LineReader>& reader, const std::vector<std::filesystem::path>& files,
               size_t& file, size_t& done_bytes) {
  if (reader) done_bytes += reader->bytes_read(), reader.reset(), ++file;
  if (file >= files.size()) return false;
  reader = std::make_unique<LineReader>(files[file]);
  return true;
}

// Value of attribute `name="..."` in a WikiExtractor <doc ...> line.
std::string attribute(std::string_view line, std::string_view name) {
  std::string key = std::string(name) + "=\"";
  size_t b = line.find(key);
  if (b == std::string_view::npos) return {};
  b += key.size();
  size_t e = line.find('"', b);
  return std::string(line.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
}

}  // namespace

// ---- JSON lines
// ----------------------------------------------------------------------------------

JsonlSource::JsonlSource(std::vector<std::filesystem::path> files, std::string field)
    : files_(std::move(files)), field_(std::move(field)) {
  if (files_.empty()) fail("no input files");
}

bool JsonlSource::next(Document& doc) {
  std::string_view line;
  for (;;) {
    if (!reader_ && !open_next(reader_, files_, file_, done_bytes_)) return false;
    if (!reader_->next(line)) {
      if (reader_->line_number() == 0) fail(reader_->path(), ": no lines (empty file)");
      if (!open_next(reader_, files_, file_, done_bytes_)) return false;
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    ensure_utf8(line, reader_->path(), reader_->line_number());
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      fail(reader_->where(), ": not a JSON object: ", e.what());
    }
    if (!j.is_object()) fail(reader_->where(), ": not a JSON object");
    auto it = j.find(field_);
    if (it == j.end() || !it->is_string())
      fail(
          reader_->where(), ": no string field '", field_, "' (keys: ",
          [&] {
            std::string keys;
            for (auto k = j.begin(); k != j.end(); ++k) keys += (keys.empty() ? "" : ",") + k.key();
            return keys;
          }(),
          ")");
    doc.text = it->get<std::string>();
    doc.id =
        j.contains("url") && j["url"].is_string() ? j["url"].get<std::string>() : reader_->where();
    doc.timestamp.clear();
    for (const char* key : {"timestamp", "date"})
      if (auto t = j.find(key); t != j.end() && t->is_string())
        doc.timestamp = t->get<std::string>();
    return true;
  }
}

// ---- WikiExtractor
// --------------------------------------------------------------------------------

WikiExtractorSource::WikiExtractorSource(std::vector<std::filesystem::path> files,
                                         std::set<std::string> exclude_ids)
    : files_(std::move(files)), exclude_(std::move(exclude_ids)) {
  if (files_.empty()) fail("no input files");
}

bool WikiExtractorSource::next(Document& doc) {
  std::string_view line;
  for (;;) {
    if (!reader_ && !open_next(reader_, files_, file_, done_bytes_)) return false;
    if (!reader_->next(line)) {
      if (!open_next(reader_, files_, file_, done_bytes_)) return false;
      continue;
    }
    if (line.empty()) continue;  // blank lines between articles
    if (line.rfind("<doc ", 0) != 0)
      fail(reader_->where(), ": expected a WikiExtractor '<doc ...>' line");
    const std::string where = reader_->where();
    doc.id = attribute(line, "id");
    doc.timestamp.clear();
    doc.text.clear();
    bool closed = false;
    while (reader_->next(line)) {
      if (line == "</doc>") {
        closed = true;
        break;
      }
      if (line.rfind("<doc ", 0) == 0)
        fail(reader_->where(), ": '<doc>' inside the article at ", where);
      ensure_utf8(line, reader_->path(), reader_->line_number());
      doc.text.append(line);
      doc.text += '\n';
    }
    if (!closed) fail(where, ": article ", doc.id, " has no '</doc>' line (truncated file?)");
    if (exclude_.count(doc.id)) {
      ++skipped_;
      continue;
    }
    return true;
  }
}

// ---- plain text
// -----------------------------------------------------------------------------------

PlainTextSource::PlainTextSource(std::vector<std::filesystem::path> files, bool per_line)
    : files_(std::move(files)), per_line_(per_line) {
  if (files_.empty()) fail("no input files");
}

bool PlainTextSource::next(Document& doc) {
  doc.timestamp.clear();
  if (!per_line_) {
    if (file_ >= files_.size()) return false;
    doc.text = read_text_file(files_[file_]);
    ensure_utf8(doc.text, files_[file_].string());
    doc.id = files_[file_].string();
    done_bytes_ += doc.text.size();
    ++file_;
    return true;
  }
  std::string_view line;
  for (;;) {
    if (!reader_ && !open_next(reader_, files_, file_, done_bytes_)) return false;
    if (!reader_->next(line)) {
      if (!open_next(reader_, files_, file_, done_bytes_)) return false;
      continue;
    }
    ensure_utf8(line, reader_->path(), reader_->line_number());
    doc.text.assign(line);
    doc.id = reader_->where();
    return true;
  }
}

std::unique_ptr<DocumentSource> open_source(const std::string& kind,
                                            const std::vector<std::filesystem::path>& files,
                                            const std::string& jsonl_field) {
  if (kind == "c4" || kind == "jsonl") return std::make_unique<JsonlSource>(files, jsonl_field);
  if (kind == "wikipedia") return std::make_unique<WikiExtractorSource>(files);
  if (kind == "lines") return std::make_unique<PlainTextSource>(files, true);
  if (kind == "text") return std::make_unique<PlainTextSource>(files, false);
  fail("unknown corpus format '", kind, "' (valid: c4, jsonl, wikipedia, lines, text)");
}

}  // namespace spikebench::datasets
