#pragma once
// WMT English-German news test sets (newstest2010-2016) as sacrebleu reads them: plain text
// (one segment per line) or the original SGML (<seg id="N">...</seg>, whitespace collapsed).
#include <filesystem>
#include <string>
#include <vector>

namespace spikebench::datasets {

struct WmtTestSet {
  std::string name;                    ///< e.g. "newstest2014" or "newstest2014-filtered"
  std::vector<std::string> source;     ///< English side
  std::vector<std::string> reference;  ///< German side
};

/// Segments of a plain-text test file (one per line, UTF-8 checked).
std::vector<std::string> read_plain_segments(const std::filesystem::path& path);

/// Segments of an SGML test file, extracted like sacrebleu: for each line starting with "<seg ",
/// the text between the tag and the last "</seg>" with re.sub(r"\s+", " ", s.strip()).
std::vector<std::string> read_sgml_segments(const std::filesystem::path& path);

/// newstest`year` (2010..2016) from `data_dir`/wmt, en->de. For 2014, `filtered` picks
/// sacrebleu's default `wmt14` (2,737 segments) over `wmt14/full` (3,003).
WmtTestSet read_wmt_newstest(const std::filesystem::path& data_dir, int year, bool filtered = true);

/// The two files read_wmt_newstest reads (source, reference).
std::vector<std::filesystem::path> wmt_newstest_files(const std::filesystem::path& data_dir,
                                                      int year, bool filtered = true);

}  // namespace spikebench::datasets
