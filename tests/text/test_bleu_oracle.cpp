// BLEU against sacrebleu v2.6.0 itself: every case of
// oracles/sacrebleu/sacrebleu_unit_test_cases.json (sacrebleu's test_bleu.py /
// test_sentence_bleu.py at tag v2.6.0, re-run with full precision).
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/data_dir.h"
#include "metrics/bleu.h"

namespace {

using spikebench::text::Bleu;
using spikebench::text::BleuOptions;
using spikebench::text::BleuScore;
using Json = nlohmann::json;

// Oracle file, relative to the data folder (MANIFEST.md §6; sha256 053fd844…8cfd).
constexpr const char* kOracle = "oracles/sacrebleu/sacrebleu_unit_test_cases.json";
constexpr size_t kOracleCases = 45;
// The score is the same sequence of IEEE-754 operations as sacrebleu's (Python floats are
// doubles, same summation order), so 1e-6 absolute on the 0–100 scale is a loose bound; it only
// absorbs libm's exp/log differing from CPython's by an ulp.
constexpr double kScoreAbsTol = 1e-6;

Json load_oracle() {
  const auto path = spikebench::resolve_data_dir() / kOracle;
  std::ifstream in(path);
  REQUIRE(in.good());
  return Json::parse(in);
}

std::vector<std::vector<std::string>> ref_streams(const Json& c) {
  return c.at("refs").get<std::vector<std::vector<std::string>>>();
}

std::vector<double> as_doubles(const Json& j) { return j.get<std::vector<double>>(); }

// counts/totals/sys_len/ref_len exact; BP exact where the oracle records it.
void check_statistics(const Json& c, const BleuScore& s) {
  if (c.contains("counts")) CHECK(s.counts == as_doubles(c["counts"]));
  if (c.contains("totals")) CHECK(s.totals == as_doubles(c["totals"]));
  if (c.contains("sys_len")) CHECK(s.sys_len == c["sys_len"].get<int64_t>());
  if (c.contains("ref_len")) CHECK(s.ref_len == c["ref_len"].get<int64_t>());
  if (c.contains("bp")) CHECK(s.bp == c["bp"].get<double>());
}

// The full-precision score to kScoreAbsTol; sacrebleu's own assertion (rounded expected value
// within the test's tolerance) as well.
void check_score(const Json& c, const BleuScore& s) {
  if (c.contains("score_full_precision")) {
    CHECK_THAT(s.score,
               Catch::Matchers::WithinAbs(c["score_full_precision"].get<double>(), kScoreAbsTol));
  }
  if (c.contains("expected_score")) {
    const double tol =
        c.contains("score_full_precision") ? c["tolerance"].get<double>() : kScoreAbsTol;
    CHECK_THAT(s.score, Catch::Matchers::WithinAbs(c["expected_score"].get<double>(), tol));
  }
  if (c.contains("expected_score_fraction")) {
    const double frac = c["expected_score_fraction"].get<double>();
    CHECK_THAT(s.score / 100.0,
               Catch::Matchers::WithinAbs(frac, c.value("tolerance", kScoreAbsTol / 100.0)));
    CHECK_THAT(s.score, Catch::Matchers::WithinAbs(100.0 * frac, kScoreAbsTol));
  }
  if (c.contains("expected_score_2dp")) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", s.score);
    CHECK(std::string(buf) == c["expected_score_2dp"].get<std::string>());
  }
}

// sacrebleu.raw_corpus_bleu: tokenize='none', smooth_method='floor', force, effective order.
BleuOptions raw_options(const Json& smooth_value) {
  BleuOptions o;
  o.tokenize = "none";
  o.smooth_method = "floor";
  if (!smooth_value.is_null()) o.smooth_value = smooth_value.get<double>();
  o.effective_order = true;
  return o;
}

}  // namespace

TEST_CASE("BLEU equals sacrebleu 2.6.0 on every oracle case", "[bleu][oracle]") {
  const Json oracle = load_oracle();
  REQUIRE(oracle.at("sacrebleu_version") == "2.6.0");
  const Json& cases = oracle.at("cases");
  REQUIRE(cases.size() == kOracleCases);

  size_t checked = 0;
  for (size_t id = 0; id < cases.size(); ++id) {
    const Json& c = cases[id];
    const std::string kind = c.at("kind");
    CAPTURE(kOracle, id, c.at("source_test").get<std::string>(), kind, kScoreAbsTol);

    if (kind == "corpus_bleu") {
      // sacrebleu.corpus_bleu(hyps, refs, **kwargs): defaults 13a, exp, mixed case.
      BleuOptions o;
      o.tokenize = c["kwargs"].value("tokenize", "13a");
      o.smooth_method = c["kwargs"].value("smooth_method", "exp");
      Bleu bleu(o);
      const BleuScore s = bleu.corpus_score(c["hyps"], ref_streams(c));
      check_statistics(c, s);
      check_score(c, s);
    } else if (kind == "raw_corpus_bleu") {
      Bleu bleu(raw_options(c["smooth_value"]));
      const BleuScore s = bleu.corpus_score(c["hyps"], ref_streams(c));
      check_statistics(c, s);
      check_score(c, s);
    } else if (kind == "raw_corpus_bleu_statistics") {
      Bleu bleu(raw_options(c["smooth_value"]));
      const BleuScore s = bleu.corpus_score(c["hyps"], ref_streams(c));
      CHECK(s.counts == as_doubles(c["expected_counts"]));
      CHECK(s.totals == as_doubles(c["expected_totals"]));
    } else if (kind == "raw_corpus_bleu_offset") {
      const double tol = c["tolerance"];
      Bleu zero(raw_options(Json(0.0)));
      CHECK_THAT(zero.corpus_score(c["hyps"], ref_streams(c)).score / 100.0,
                 Catch::Matchers::WithinAbs(c["expected_fraction_with_smooth_value_0_0"], tol));
      Bleu dflt(raw_options(Json()));
      CHECK_THAT(
          dflt.corpus_score(c["hyps"], ref_streams(c)).score / 100.0,
          Catch::Matchers::WithinAbs(c["expected_fraction_with_default_smooth_value_0_1"], tol));
    } else if (kind == "compute_bleu") {
      std::optional<double> sv;
      if (c.contains("smooth_value") && !c["smooth_value"].is_null()) sv = c["smooth_value"];
      const BleuScore s =
          spikebench::text::compute_bleu(as_doubles(c["correct"]), as_doubles(c["total"]),
                                         c["sys_len"], c["ref_len"], c["smooth_method"], sv);
      CHECK_THAT(s.score / 100.0, Catch::Matchers::WithinAbs(c["expected_score_fraction"],
                                                             c["tolerance"].get<double>()));
      CHECK_THAT(s.score, Catch::Matchers::WithinAbs(
                              100.0 * c["expected_score_fraction"].get<double>(), kScoreAbsTol));
    } else if (kind == "corpus_bleu_max_ngram_order") {
      BleuOptions o;
      o.max_ngram_order = c["max_ngram_order"];
      Bleu bleu(o);
      const BleuScore s = bleu.corpus_score(c["hyps"], ref_streams(c));
      CHECK(s.precisions.size() == static_cast<size_t>(o.max_ngram_order));
      check_score(c, s);
    } else if (kind == "sentence_bleu") {
      BleuOptions o;
      o.tokenize = c["tokenize"];
      o.lowercase = c["lowercase"];
      o.smooth_method = c["smooth_method"];
      if (!c["smooth_value"].is_null()) o.smooth_value = c["smooth_value"].get<double>();
      o.effective_order = c["effective_order"];
      Bleu bleu(o);
      const BleuScore s = bleu.sentence_score(c["hyp"], c["refs"]);
      check_statistics(c, s);
      check_score(c, s);
    } else {
      FAIL("unknown oracle case kind '" << kind << "'");
    }
    ++checked;
  }
  CHECK(checked == kOracleCases);
}
