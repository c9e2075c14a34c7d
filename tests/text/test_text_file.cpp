// Segment files as sacrebleu's CLI reads them: split at '\n' only, right-stripped, .gz decoded;
// errors name the file (and line). Oracle: line counts from MANIFEST.md §5 and `zcat | wc -l`.
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/data_dir.h"
#include "core/error.h"
#include "metrics/text_file.h"

using spikebench::text::read_segments;
namespace fs = std::filesystem;

namespace {
// A scratch file removed when the test leaves scope.
struct TempFile {
  fs::path path;
  explicit TempFile(const std::string& bytes)
      : path(fs::temp_directory_path() /
             ("spikebench_text_" + std::to_string(reinterpret_cast<uintptr_t>(this)) + ".txt")) {
    std::ofstream(path, std::ios::binary) << bytes;
  }
  ~TempFile() { fs::remove(path); }
};
}  // namespace

TEST_CASE("read_segments splits at \\n only and right-strips like Python", "[bleu][io]") {
  const TempFile f(
      "a b \r\nc\xC2\xA0\n\n\x0b"
      "d\xE2\x80\xA8"
      "e\n last");
  const auto lines = read_segments(f.path.string());
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == "a b");
  CHECK(lines[1] == "c");
  CHECK(lines[2] == "");
  CHECK(lines[3] ==
        "\x0b"
        "d\xE2\x80\xA8"
        "e");                  // U+2028 is not a line break here
  CHECK(lines[4] == " last");  // no final newline
  CHECK(read_segments(TempFile(" last").path.string()) == std::vector<std::string>{" last"});
  CHECK(read_segments(TempFile("").path.string()).empty());
}

TEST_CASE("read_segments errors name the file and line", "[bleu][io]") {
  CHECK_THROWS_WITH(read_segments("/nonexistent/hyp.txt"),
                    Catch::Matchers::Contains("/nonexistent/hyp.txt"));
  const TempFile bad("ok\nstill ok\nbad \xC3(\n");
  CHECK_THROWS_WITH(read_segments(bad.path.string()),
                    Catch::Matchers::Contains(bad.path.string() + ":3: invalid UTF-8"));
}

TEST_CASE("read_segments decodes .gz (WMT17 reference, 3,004 lines)", "[bleu][io]") {
  const auto path =
      spikebench::resolve_data_dir() / "oracles/sacrebleu/wmt17_en_de/newstest2017.en-de.ref.de.gz";
  CAPTURE(path.string());
  CHECK(read_segments(path.string()).size() == 3004);
  CHECK(read_segments((spikebench::resolve_data_dir() / "wmt/newstest2014.de").string()).size() ==
        3003);
}
