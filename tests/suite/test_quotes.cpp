// Claims in the paper's words (issue 28): every check of a paper artifact, at every scale,
// carries the paper's sentence(s) it tests (`quote`), and every quoted passage — there and in
// baselines/paper.yaml's claims_quoted — is found verbatim in the paper (whitespace collapsed).
// The paper is read from ../shared/paper beside the source tree (CI has it there), or from
// $SPIKEBENCH_PAPER.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/source_dir.h"
#include "suite/checks/check.h"
#include "suite/study.h"

using namespace spikebench;
namespace fs = std::filesystem;

namespace {

std::string collapse(const std::string& s) {
  std::string out;
  bool space = false;
  for (unsigned char c : s) {
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(c);
  }
  return out;
}

std::string paper_text() {
  const char* env = std::getenv("SPIKEBENCH_PAPER");
  const fs::path p = env && *env ? fs::path(env)
                                 : fs::path(source_dir()) / ".." / "shared" / "paper" /
                                       "spike-no-more.md";
  std::ifstream f(p);
  INFO("the paper: " << p.string() << " (set SPIKEBENCH_PAPER to its path)");
  REQUIRE(f.good());
  return collapse(std::string(std::istreambuf_iterator<char>(f), {}));
}

}  // namespace

TEST_CASE("every check of a paper artifact quotes the paper verbatim", "[quotes]") {
  const auto paper = paper_text();
  int quoted = 0;
  for (const auto& study : artifacts()) {
    if (study.beyond_paper) continue;  // related.yaml tests other papers' methods
    for (const auto& scale : study.scales()) {
      for (const auto& c : study.checks(scale)) {
        if (c->kind() == "golden") continue;  // a regression value, not a claim of the paper
        INFO(study.name << " (" << scale << ") " << c->name());
        CHECK_FALSE(c->quote().empty());
        for (const auto& passage : c->quote()) {
          INFO("passage: " << passage);
          CHECK(paper.find(collapse(passage)) != std::string::npos);
        }
        ++quoted;
      }
    }
  }
  CHECK(quoted > 100);
}

TEST_CASE("paper.yaml quotes each claim C1-C12 in the paper's words", "[quotes]") {
  const auto paper = paper_text();
  const auto y = YAML::LoadFile((fs::path(source_dir()) / "baselines" / "paper.yaml").string());
  REQUIRE(y["claims_quoted"].IsMap());
  for (const auto& kv : y["claims"]) {
    const auto id = kv.first.as<std::string>();
    INFO(id);
    const auto q = y["claims_quoted"][id];
    REQUIRE(q.IsMap());
    CHECK_FALSE(q["where"].as<std::string>("").empty());
    REQUIRE(q["paper"].IsSequence());
    CHECK(q["paper"].size() > 0);
    for (const auto& passage : q["paper"]) {
      INFO("passage: " << passage.as<std::string>());
      CHECK(paper.find(collapse(passage.as<std::string>())) != std::string::npos);
    }
  }
}
