// Check kind `equivalent` (TOST against a declared margin) on hand-made results trees: pass when
// every pair sits well inside the margin, fail when the shift lies outside it, inconclusive and
// underpowered with too few seeds; a ratio margin on a positive metric; both TOST p-values in the
// results; a diverged run counts against equivalence; the YAML errors name the key.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <map>

#include "core/error.h"
#include "suite/checks/checks.h"
#include "tests/suite/checks_yaml.h"

using namespace spikebench;

namespace {

results::Group root_with_pairs(int seeds, const std::function<double(int)>& b_value,
                               const std::function<double(int)>& delta) {
  results::Group root;
  root.attrs["artifact"] = std::string("unit"), root.attrs["scale"] = std::string("cpu");
  for (int s = 0; s < seeds; ++s)
    for (const char* m : {"ln", "scaled"}) {
      auto& g = root.group(std::string("runs/") + m + "-s" + std::to_string(s));
      g.attrs = {{"method", std::string(m)},
                 {"size", std::string("cpu")},
                 {"seed", int64_t{s}},
                 {"status", std::string("ok")}};
      g.dataset("m/x").append(std::string(m) == "ln" ? b_value(s) + delta(s) : b_value(s));
    }
  return root;
}

const checks::Options kNoBaselines{"/nonexistent", false};

const char* kAbsolute = R"(
- {name: comparable, kind: equivalent, a: {method: ln}, b: {method: scaled}, metric: "m/x:last",
   margin: 0.05, margin_reason: "unit test"}
)";

const results::Group& evaluated(results::Group& root, const char* yaml) {
  checks::evaluate(root, YAML::Load(yaml), kNoBaselines);
  return *root.find_group("checks/comparable");
}

}  // namespace

TEST_CASE("equivalent: TOST verdicts over paired seeds, both one-sided p-values stored",
          "[checks][equivalent]") {
  SECTION("10 pairs, every |a - b| < margin: pass at p = 2^-10 each side") {
    auto root = root_with_pairs(10, [](int s) { return 2.0 + 0.1 * s; },
                                [](int s) { return 0.004 * ((s % 2) ? s : -s); });
    const auto& c = evaluated(root, kAbsolute);
    CHECK(c.attr_string("verdict") == "pass");
    CHECK(c.attr_string("kind") == "equivalent");
    CHECK(c.attr_number("margin") == 0.05);
    CHECK(c.attr_string("margin_scale") == "absolute");
    CHECK(c.attr_number("p_tost_lower") == Approx(1.0 / 1024));
    CHECK(c.attr_number("p_tost_upper") == Approx(1.0 / 1024));
    CHECK(c.attr_number("p_value") == Approx(1.0 / 1024));  // max of the two
    CHECK(c.attr_number("inside_margin") == 10);
    CHECK_THAT(c.attr_string("reason"), Catch::Matchers::Contains("equivalent within the margin"));
  }
  SECTION("a shift of 0.2 beyond a 0.05 margin in every pair: fail (outside the margin)") {
    auto root = root_with_pairs(10, [](int s) { return 2.0 + 0.1 * s; },
                                [](int s) { return 0.2 + 0.001 * s; });
    const auto& c = evaluated(root, kAbsolute);
    CHECK(c.attr_string("verdict") == "fail");
    CHECK(c.attr_number("p_above") == Approx(1.0 / 1024));
    CHECK(c.attr_number("p_opposite") == Approx(2.0 / 1024));  // Bonferroni over two directions
    CHECK(c.attr_number("p_tost_upper") == Approx(1.0));
    CHECK_THAT(c.attr_string("reason"), Catch::Matchers::Contains("outside the margin at alpha"));
  }
  SECTION("a small but consistent difference inside the margin is still equivalent") {
    // An ordering test would reject "no difference" here (10 of 10 positive); equivalence asks
    // whether the difference is smaller than the margin, and it is.
    auto root = root_with_pairs(10, [](int s) { return 2.0 + 0.1 * s; },
                                [](int s) { return 0.01 + 0.001 * s; });
    CHECK(evaluated(root, kAbsolute).attr_string("verdict") == "pass");
  }
  SECTION("3 pairs cannot reach alpha: inconclusive, underpowered") {
    auto root = root_with_pairs(3, [](int) { return 2.0; }, [](int) { return 0.0; });
    const auto& c = evaluated(root, kAbsolute);
    CHECK(c.attr_string("verdict") == "inconclusive");
    CHECK(c.attr_number("min_attainable_p_adjusted") == Approx(0.25));
    CHECK_THAT(c.attr_string("reason"), Catch::Matchers::Contains("underpowered"));
  }
  SECTION("noisy differences straddling the margin: inconclusive, with the provable margin") {
    auto root = root_with_pairs(10, [](int s) { return 2.0 + 0.1 * s; },
                                [](int s) { return 0.08 * ((s % 2) ? 1 : -1) + 0.002 * s; });
    const auto& c = evaluated(root, kAbsolute);
    CHECK(c.attr_string("verdict") == "inconclusive");
    CHECK(c.attr_number("mde") > 0.05);
    CHECK_THAT(c.attr_string("reason"), Catch::Matchers::Contains("smallest margin provable"));
  }
  SECTION("a diverged run is +inf: it counts against equivalence") {
    auto root = root_with_pairs(10, [](int s) { return 2.0 + 0.1 * s; }, [](int) { return 0.0; });
    for (int s = 0; s < 4; ++s)
      root.group("runs/ln-s" + std::to_string(s)).attrs["status"] = std::string("diverged@7");
    const auto& c = evaluated(root, kAbsolute);
    CHECK(c.attr_number("diverged") == 4);
    CHECK(c.attr_number("inside_margin") == 6);
    CHECK(c.attr_string("verdict") != "pass");
  }
}

TEST_CASE("equivalent: a ratio margin tests log a - log b against log r", "[checks][equivalent]") {
  // Perplexities 30 and 30.2 (0.67 %) pass a 1 % ratio margin; 30 and 31 (3.3 %) fail it.
  const char* yaml = R"(
- {name: comparable, kind: equivalent, a: {method: ln}, b: {method: scaled}, metric: "m/x:last",
   ratio_margin: 1.01, margin_reason: "unit test"}
)";
  auto near = root_with_pairs(10, [](int s) { return 30.0 + s; },
                              [](int s) { return (s % 2 ? 0.2 : -0.2) * (1 + 0.01 * s); });
  const auto& c = evaluated(near, yaml);
  CHECK(c.attr_string("margin_scale") == "ratio");
  CHECK(c.attr_number("ratio_margin") == 1.01);
  CHECK(c.attr_number("margin") == Approx(std::log(1.01)));
  CHECK(c.attr_string("verdict") == "pass");
  auto far = root_with_pairs(10, [](int s) { return 30.0 + s; }, [](int) { return 1.0; });
  CHECK(evaluated(far, yaml).attr_string("verdict") == "fail");
}

TEST_CASE("equivalent: the keys are checked before anything runs, naming the key",
          "[checks][equivalent]") {
  auto root = root_with_pairs(2, [](int) { return 1.0; }, [](int) { return 0.0; });
  auto throws_with = [&](const char* yaml, const char* what) {
    INFO(yaml);
    CHECK_THROWS_WITH(checks::evaluate(root, YAML::Load(yaml), kNoBaselines),
                      Catch::Matchers::Contains(what));
  };
  throws_with(R"(- {name: e, kind: equivalent, a: {method: ln}, b: {method: scaled}, metric: "m/x:last", margin_reason: r})",
              "exactly one of keys 'margin'");
  throws_with(R"(- {name: e, kind: equivalent, a: {method: ln}, b: {method: scaled}, metric: "m/x:last", margin: 0.1, ratio_margin: 1.1, margin_reason: r})",
              "exactly one of keys 'margin'");
  throws_with(R"(- {name: e, kind: equivalent, a: {method: ln}, b: {method: scaled}, metric: "m/x:last", margin: 0.1})",
              "missing key 'margin_reason'");
  throws_with(R"(- {name: e, kind: equivalent, a: {method: ln}, b: {method: scaled}, metric: "m/x:last", ratio_margin: 0.9, margin_reason: r})",
              "key 'ratio_margin'");
  throws_with(R"(- {name: e, kind: equivalent, a: {method: ln}, b: {method: scaled}, metric: "m/x:last", margin: -1, margin_reason: r})",
              "key 'margin'");
  throws_with(R"(- {name: e, kind: equivalent, a: {method: ln}, b: {method: scaled}, metric: "m/x:last", margin: 0.1, margin_reason: r, test: bootstrap})",
              "key 'test'");
  throws_with(R"(- {name: e, kind: equivalent, a: {method: ln}, b: {method: scaled}, metric: diverged, margin: 0.1, margin_reason: r})",
              "needs a metric with a scale");
  throws_with(R"(- {name: e, kind: equivalent, lower: {method: ln}, b: {method: scaled}, metric: "m/x:last", margin: 0.1, margin_reason: r})",
              "key 'a'");
}

TEST_CASE("coincide: spikes at the same updates as the paired run's, against chance",
          "[checks][coincide]") {
  // 8 seeds, 1000 updates each; b spikes at 100 and 600 (+ seed). Case "same": a spikes within
  // 5 updates of b's; case "apart": a spikes 300 updates away from every b spike.
  auto make = [](int offset) {
    results::Group root;
    root.attrs["artifact"] = std::string("unit"), root.attrs["scale"] = std::string("cpu");
    for (int s = 0; s < 8; ++s)
      for (const char* m : {"rmsnorm", "vanilla"}) {
        auto& g = root.group(std::string("runs/") + m + "-s" + std::to_string(s));
        g.attrs = {{"method", std::string(m)},
                   {"size", std::string("cpu")},
                   {"seed", int64_t{s}},
                   {"status", std::string("ok")}};
        for (int t = 0; t < 1000; ++t) g.dataset("train/loss").append(1.0);
        const bool a = std::string(m) == "rmsnorm";
        for (double t : {100.0 + s, 600.0 + s})
          g.dataset("spikes/grad_norm/step").append(a ? t + offset : t);
      }
    return root;
  };
  const char* yaml = R"(
- {name: same_place, kind: coincide, a: {method: rmsnorm}, b: {method: vanilla}, spikes: grad_norm, window: 10}
)";
  auto same = make(3);
  checks::evaluate(same, YAML::Load(yaml), kNoBaselines);
  const auto& c = *same.find_group("checks/same_place");
  CHECK(c.attr_string("verdict") == "pass");
  // matched 1, chance 2 x 21 / 1000: d = 0.958 in every pair
  CHECK(c.attr_number("effect") == Approx(1.0 - 42.0 / 1000));
  CHECK(c.attr_number("p_value") == Approx(1.0 / 256));
  auto apart = make(300);
  checks::evaluate(apart, YAML::Load(yaml), kNoBaselines);
  CHECK(apart.find_group("checks/same_place")->attr_string("verdict") == "fail");
  CHECK_THROWS_WITH(checks::evaluate(apart, YAML::Load(R"(
- {name: x, kind: coincide, a: {method: rmsnorm}, b: {method: vanilla}, spikes: both, window: 10}
)"),
                                     kNoBaselines),
                    Catch::Matchers::Contains("key 'spikes'"));
}
