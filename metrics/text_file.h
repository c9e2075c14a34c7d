#pragma once
// Reads a text file (plain or .gz) into lines the way sacrebleu's CLI does: split at '\n' only,
// each line right-stripped of Unicode whitespace; invalid UTF-8 is an Error naming file and line.
#include <string>
#include <vector>

namespace spikebench::text {

/// Lines of `path` (".gz" is decompressed). A missing/unreadable file or invalid UTF-8 is a
/// spikebench::Error naming the file (and the 1-based line).
std::vector<std::string> read_segments(const std::string& path);

}  // namespace spikebench::text
