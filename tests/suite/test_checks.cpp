// The checks engine on hand-made results trees: each kind passes and fails where it should.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "suite/checks/checks.h"

using namespace spikebench;
namespace fs = std::filesystem;

namespace {

results::Group two_methods(double vanilla_ratio, double scaled_ratio) {
  results::Group root;
  root.attrs["artifact"] = std::string("unit");
  root.attrs["scale"] = std::string("cpu");
  root.attrs["git_sha"] = std::string("test");
  root.attrs["libtorch"] = std::string("test");
  root.attrs["device"] = std::string("cpu");
  for (int seed = 0; seed < 3; ++seed) {
    auto& v = root.group("runs/vanilla-s" + std::to_string(seed));
    v.attrs = {
        {"method", std::string("vanilla")}, {"seed", int64_t{seed}}, {"status", std::string("ok")}};
    v.dataset("layers/grad_norm").append_row({vanilla_ratio + seed * 0.1, 2.0, 1.0});
    auto& s = root.group("runs/scaled-s" + std::to_string(seed));
    s.attrs = {
        {"method", std::string("scaled")}, {"seed", int64_t{seed}}, {"status", std::string("ok")}};
    s.dataset("layers/grad_norm").append_row({scaled_ratio, 1.0, 1.0});
  }
  return root;
}

const char* kExpectations = R"(
- {name: explodes, kind: range, select: {method: vanilla}, metric: "layers/grad_norm:first_over_last", min: 2.0}
- {name: flat, kind: range, select: {method: scaled}, metric: "layers/grad_norm:first_over_last", max: 1.3}
- {name: order, kind: ordering, lower: {method: scaled}, higher: {method: vanilla}, metric: "layers/grad_norm:first_over_last"}
- {name: nothing, kind: range, select: {method: absent}, metric: "layers/grad_norm:first", min: 0}
)";

std::map<std::string, std::string> verdicts(const std::vector<checks::Outcome>& o) {
  std::map<std::string, std::string> m;
  for (const auto& c : o) m[c.name] = c.verdict;
  return m;
}

}  // namespace

TEST_CASE("range and ordering checks pass when the claim holds", "[checks]") {
  auto root = two_methods(4.0, 1.05);
  auto v = verdicts(checks::evaluate(root, YAML::Load(kExpectations), {"/nonexistent", false}));
  CHECK(v["explodes"] == "pass");
  CHECK(v["flat"] == "pass");
  CHECK(v["order"] == "pass");
  CHECK(v["nothing"] == "skip");
  CHECK(root.find_group("checks/explodes")->attr_string("verdict") == "pass");
}

TEST_CASE("range and ordering checks fail when the claim does not hold", "[checks]") {
  auto root = two_methods(1.1, 1.5);
  auto v = verdicts(checks::evaluate(root, YAML::Load(kExpectations), {"/nonexistent", false}));
  CHECK(v["explodes"] == "fail");
  CHECK(v["flat"] == "fail");
  CHECK(v["order"] == "fail");
}

TEST_CASE("golden values and verdicts are written on --update-golden and then gate", "[checks]") {
  const fs::path dir = fs::temp_directory_path() / "spikebench-test-golden";
  fs::remove_all(dir);
  const auto golden =
      YAML::Load(std::string(kExpectations) +
                 "- {name: g, kind: golden, metric: 'layers/grad_norm:first', rtol: 1.0e-6}\n");
  auto root = two_methods(4.0, 1.05);
  checks::evaluate(root, golden, {dir, /*update_golden=*/true});
  REQUIRE(fs::exists(dir / "cpu" / "unit.yaml"));
  auto same = two_methods(4.0, 1.05);
  auto v = verdicts(checks::evaluate(same, golden, {dir, false}));
  CHECK(v["g"] == "pass");
  CHECK(v["golden_verdicts"] == "pass");
  // A regression: the values move and a claim verdict flips.
  auto broken = two_methods(1.1, 1.05);
  v = verdicts(checks::evaluate(broken, golden, {dir, false}));
  CHECK(v["g"] == "fail");
  CHECK(v["golden_verdicts"] == "fail");
  fs::remove_all(dir);
}

TEST_CASE("metric reductions", "[checks]") {
  results::Group run;
  for (double x : {3.0, 1.0, 2.0}) run.dataset("train/loss").append(x);
  run.attrs["params"] = int64_t{7};
  CHECK(checks::metric(run, "train/loss:last") == 2.0);
  CHECK(checks::metric(run, "train/loss:min") == 1.0);
  CHECK(checks::metric(run, "train/loss:count") == 3.0);
  CHECK(checks::metric(run, "@params") == 7.0);
  CHECK(std::isnan(checks::metric(run, "valid/loss:last")));
  CHECK(checks::metric(run, "spikes/loss/step:count") == 0.0);
}
