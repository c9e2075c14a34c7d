// WMT newstest readers (plain and SGML) with sacrebleu's segment cleaning.
#include "datasets/wmt.h"

#include "core/error.h"
#include "datasets/pystr.h"
#include "datasets/text_io.h"

namespace spikebench::datasets {

std::vector<std::string> read_plain_segments(const std::filesystem::path& path) {
  LineReader reader(path);
  std::vector<std::string> out;
  std::string_view line;
  while (reader.next(line)) {
    ensure_utf8(line, reader.path(), reader.line_number());
    out.emplace_back(line);
  }
  return out;
}

std::vector<std::string> read_sgml_segments(const std::filesystem::path& path) {
  LineReader reader(path);
  std::vector<std::string> out;
  std::string_view line;
  while (reader.next(line)) {
    if (line.rfind("<seg ", 0) != 0) continue;
    ensure_utf8(line, reader.path(), reader.line_number());
    size_t open_end = line.find('>');
    size_t close = line.rfind("</seg>");
    if (open_end == std::string_view::npos || close == std::string_view::npos || close < open_end)
      fail(reader.where(), ": malformed <seg> line");
    std::string seg(line.substr(open_end + 1, close - open_end - 1));
    seg.append(line.substr(close + 6));  // sacrebleu keeps what follows </seg> on the line
    out.push_back(py_collapse_whitespace(seg));
  }
  if (out.empty()) fail(path.string(), ": no <seg> lines (not a WMT SGML file?)");
  return out;
}

std::vector<std::filesystem::path> wmt_newstest_files(const std::filesystem::path& data_dir,
                                                      int year, bool filtered) {
  const std::string name =
      "newstest" + std::to_string(year) + (year == 2014 && filtered ? "-filtered" : "");
  const auto base = (data_dir / "wmt" / name).string();
  return {base + ".en", base + ".de"};
}

WmtTestSet read_wmt_newstest(const std::filesystem::path& data_dir, int year, bool filtered) {
  if (year < 2010 || year > 2016) fail("newstest", year, ": only newstest2010..2016 are supported");
  WmtTestSet set;
  set.name = "newstest" + std::to_string(year) + (year == 2014 && filtered ? "-filtered" : "");
  const auto base = data_dir / "wmt" / set.name;
  set.source = read_plain_segments(base.string() + ".en");
  set.reference = read_plain_segments(base.string() + ".de");
  if (set.source.size() != set.reference.size())
    fail(base.string(), ".{en,de}: ", set.source.size(), " source vs ", set.reference.size(),
         " reference segments");
  return set;
}

}  // namespace spikebench::datasets
