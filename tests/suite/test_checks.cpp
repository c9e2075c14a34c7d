// The checks engine on hand-made results trees: each kind passes, fails and stays inconclusive
// where it should; paired statistics, Holm's family, the diverged-run rule, LR sensitivity, and
// validation of expectations before anything runs.
#include <torch/version.h>
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "core/error.h"
#include "suite/checks/checks.h"
#include "suite/checks/comparison.h"
#include "suite/checks/lr_sensitivity.h"
#include "suite/machine.h"
#include "tests/suite/checks_yaml.h"

using namespace spikebench;
namespace fs = std::filesystem;

namespace {

results::Group new_root() {
  results::Group root;
  root.attrs["artifact"] = std::string("unit");
  root.attrs["scale"] = std::string("cpu");
  root.attrs["git_sha"] = std::string("test");
  root.attrs["libtorch"] = std::string("test");
  root.attrs["device"] = std::string("cpu");
  return root;
}

results::Group& add_run(results::Group& root, const std::string& method, int64_t seed, double value,
                        const std::string& status = "ok", double lr = NAN) {
  std::string name =
      method + (std::isnan(lr) ? "" : "-lr" + std::to_string(lr)) + "-s" + std::to_string(seed);
  auto& g = root.group("runs/" + name);
  g.attrs = {{"method", method}, {"size", std::string("cpu")}, {"seed", seed}, {"status", status}};
  if (!std::isnan(lr)) g.attrs["lr"] = lr;
  g.dataset("m/x").append(value);
  return g;
}

/// `seeds` pairs; vanilla's value is scaled's + delta(seed).
results::Group paired(int seeds, const std::function<double(int)>& delta) {
  auto root = new_root();
  for (int s = 0; s < seeds; ++s) {
    add_run(root, "scaled", s, 1.0 + 0.01 * s);
    add_run(root, "vanilla", s, 1.0 + 0.01 * s + delta(s));
  }
  return root;
}

std::map<std::string, std::string> verdicts(const std::vector<checks::Outcome>& o) {
  std::map<std::string, std::string> m;
  for (const auto& c : o) m[c.name] = checks::to_string(c.verdict);
  return m;
}

const checks::Options kNoBaselines{"/nonexistent", false};

const char* kClaim = R"(
- {name: stabler, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: "m/x:last", test: sign}
)";

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

TEST_CASE("range: each run in [min, max], no run is skip, all diverged is inconclusive",
          "[checks]") {
  auto root = new_root();
  for (int s = 0; s < 3; ++s)
    add_run(root, "vanilla", s, 4.0 + s * 0.1), add_run(root, "scaled", s, 1.05);
  const auto e = YAML::Load(R"(
- {name: explodes, kind: range, select: {method: vanilla}, metric: "m/x:first", min: 2.0}
- {name: flat, kind: range, select: {method: scaled}, metric: "m/x:first", max: 1.0}
- {name: nothing, kind: range, select: {method: absent}, metric: "m/x:first", min: 0}
)");
  auto v = verdicts(checks::evaluate(root, e, kNoBaselines));
  CHECK(v["explodes"] == "pass");
  CHECK(v["flat"] == "fail");
  CHECK(v["nothing"] == "skip");
  for (int s = 0; s < 3; ++s)
    root.group("runs/vanilla-s" + std::to_string(s)).attrs["status"] = std::string("diverged@5");
  v = verdicts(checks::evaluate(root, e, kNoBaselines));
  CHECK(v["explodes"] == "inconclusive");
  CHECK_THAT(root.find_group("checks/explodes")->attr_string("reason"),
             Catch::Matchers::Contains("all 3 selected runs diverged"));
}

TEST_CASE("compare: pass, fail and inconclusive over paired seeds, with the evidence", "[checks]") {
  SECTION("10 of 10 pairs in the claimed direction: pass, sign p = 2^-10") {
    auto root = paired(10, [](int) { return 0.5; });
    CHECK(verdicts(checks::evaluate(root, YAML::Load(kClaim), kNoBaselines))["stabler"] == "pass");
    const auto& c = *root.find_group("checks/stabler");
    CHECK(c.attr_number("n_pairs") == 10);
    CHECK(c.attr_number("p_value") == Approx(1.0 / 1024));
    CHECK(c.attr_number("p_opposite") == Approx(1.0));
    CHECK(c.attr_number("effect") == Approx(0.5));
    CHECK(c.attr_number("effect_lo") == Approx(0.5));
    CHECK(c.attr_string("test") == "sign");
    CHECK(c.attr_number("alpha") == 0.05);
  }
  SECTION("the reverse in every pair: fail") {
    auto root = paired(10, [](int) { return -0.5; });
    CHECK(verdicts(checks::evaluate(root, YAML::Load(kClaim), kNoBaselines))["stabler"] == "fail");
  }
  SECTION("three seeds cannot decide (min sign p = 1/8): inconclusive, not a mean") {
    auto root = paired(3, [](int) { return 0.5; });
    CHECK(verdicts(checks::evaluate(root, YAML::Load(kClaim), kNoBaselines))["stabler"] ==
          "inconclusive");
  }
  SECTION("mixed directions: inconclusive") {
    auto root = paired(12, [](int s) { return s % 2 ? 0.3 : -0.2; });
    CHECK(verdicts(checks::evaluate(root, YAML::Load(kClaim), kNoBaselines))["stabler"] ==
          "inconclusive");
  }
  SECTION("`ordering` is compare with the sign test") {
    auto root = paired(10, [](int) { return 0.5; });
    const auto e = YAML::Load(
        R"(- {name: o, kind: ordering, lower: {method: scaled}, higher: {method: vanilla}, metric: "m/x:last"})");
    CHECK(verdicts(checks::evaluate(root, e, kNoBaselines))["o"] == "pass");
    CHECK(root.find_group("checks/o")->attr_string("test") == "sign");
  }
}

TEST_CASE("compare: an artifact's claims are one Holm family", "[checks]") {
  // Wilcoxon, 6 pairs all positive: exact p = 1/64 = 0.0156 per claim. Alone (one claim and
  // its reverse: 2 hypotheses) the adjusted p is 2/64: pass at 0.05; in a family of four claims
  // (8 hypotheses with the reverses) the smallest adjusted p is 8/64 = 0.125: inconclusive.
  auto root = paired(6, [](int s) { return 0.1 + 0.01 * s; });
  std::string e;
  for (int i = 0; i < 4; ++i)
    e += "- {name: c" + std::to_string(i) +
         ", kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: 'm/x:last', "
         "test: wilcoxon}\n";
  auto v = verdicts(checks::evaluate(root, YAML::Load(e), kNoBaselines));
  for (int i = 0; i < 4; ++i) CHECK(v["c" + std::to_string(i)] == "inconclusive");
  const auto& c0 = *root.find_group("checks/c0");
  CHECK(c0.attr_number("p_value") == Approx(1.0 / 64));
  CHECK(c0.attr_number("p_adjusted") == Approx(8.0 / 64));
  CHECK(c0.attr_number("family_size") == 4);
  // Out of the family (family: false) the same data passes alone.
  auto alone = paired(6, [](int s) { return 0.1 + 0.01 * s; });
  auto single = YAML::Load(
      "- {name: c, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: "
      "'m/x:last', test: wilcoxon}");
  CHECK(verdicts(checks::evaluate(alone, single, kNoBaselines))["c"] == "pass");
  // Named families (family: NAME) are adjusted apart: two claims in "a", one in "b", one out.
  auto named = paired(6, [](int s) { return 0.1 + 0.01 * s; });
  std::string f;
  for (const char* fam : {"a", "a", "b", "false"})
    f += "- {name: f" + std::to_string(f.size()) +
         ", kind: compare, lower: {method: scaled}, "
         "higher: {method: vanilla}, metric: 'm/x:last', test: wilcoxon, family: " +
         fam + "}\n";
  checks::evaluate(named, YAML::Load(f), kNoBaselines);
  std::map<int64_t, int> sizes;
  for (const auto& [name, g] : named.find_group("checks")->groups)
    ++sizes[static_cast<int64_t>(g->attr_number("family_size"))];
  CHECK(sizes[2] == 2);  // family "a"
  CHECK(sizes[1] == 1);  // family "b": alone, p_adjusted = p
  CHECK(sizes[0] == 1);  // family: false
}

TEST_CASE("compare: diverged runs rank worst, or are excluded, by rule", "[checks]") {
  auto root = paired(8, [](int) { return 0.0; });  // equal values: ties ...
  for (int s = 0; s < 8; ++s)  // ... but vanilla diverged in every pair (the paper's N/A)
    root.group("runs/vanilla-s" + std::to_string(s)).attrs["status"] = std::string("diverged@3");
  CHECK(verdicts(checks::evaluate(root, YAML::Load(kClaim), kNoBaselines))["stabler"] == "pass");
  CHECK(root.find_group("checks/stabler")->attr_number("diverged") == 8);
  const auto excl = YAML::Load(
      R"(- {name: e, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: "m/x:last", test: sign, diverged: exclude})");
  CHECK(verdicts(checks::evaluate(root, excl, kNoBaselines))["e"] == "inconclusive");
  CHECK(root.find_group("checks/e")->attr_number("excluded") == 8);
  for (int s = 0; s < 8; ++s)  // both sides diverged: nothing to compare
    root.group("runs/scaled-s" + std::to_string(s)).attrs["status"] = std::string("diverged@4");
  CHECK(verdicts(checks::evaluate(root, YAML::Load(kClaim), kNoBaselines))["stabler"] ==
        "inconclusive");
  CHECK_THAT(root.find_group("checks/stabler")->attr_string("reason"),
             Catch::Matchers::Contains("ties"));
}

TEST_CASE("LR sensitivity per method and seed, and compared across methods", "[checks]") {
  // Hand-computed (loss_init 5.5 from train/loss:first): vanilla seed s at lrs 1e-3, 1e-2,
  // 1e-1 has final losses 3.0, 2.5, diverged -> clipped 3.0, 2.5, 5.5; best 2.5; terms 0.5, 0,
  // 3.0; sensitivity 3.5 / 3. Scaled: 3.0, 2.6, 2.8 -> 0.4, 0, 0.2 -> 0.2.
  auto root = new_root();
  const double lrs[] = {1e-3, 1e-2, 1e-1};
  for (int s = 0; s < 8; ++s)
    for (int i = 0; i < 3; ++i) {
      auto& v = add_run(root, "vanilla", s, 0, i == 2 ? "diverged@10" : "ok", lrs[i]);
      v.dataset("train/loss").append(5.5);
      v.dataset("valid/loss").append(i == 0 ? 3.0 : i == 1 ? 2.5 : 1.0);  // 1.0: a stub before NaN
      auto& c = add_run(root, "scaled", s, 0, "ok", lrs[i]);
      c.dataset("train/loss").append(5.5);
      c.dataset("valid/loss").append(i == 0 ? 3.0 : i == 1 ? 2.6 : 2.8);
    }
  const auto e = YAML::Load(
      R"(- {name: lrs, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: lr_sensitivity, test: wilcoxon})");
  auto v = verdicts(checks::evaluate(root, e, kNoBaselines));
  const auto* van = root.find_group("summary/lr_sensitivity/vanilla");
  REQUIRE(van);
  CHECK(van->find_dataset("value")->rows() == 8);
  CHECK(van->find_dataset("value")->values[0] == Approx(3.5 / 3));
  CHECK(root.find_group("summary/lr_sensitivity/scaled")->attr_number("mean") == Approx(0.2));
  // Eight equal positive differences: tied ranks, so scipy's exact permutation p = 2^-8.
  CHECK(v["lrs"] == "pass");
  CHECK(root.find_group("checks/lrs")->attr_number("p_value") == Approx(1.0 / 256));
  CHECK(root.find_group("checks/lrs")->attr_number("effect") == Approx(3.5 / 3 - 0.2));
  CHECK(root.find_group("checks/lrs")->attr_number("n_pairs") == 8);
}

TEST_CASE("expectations are validated before anything runs, naming the key", "[checks]") {
  std::vector<checks::RunAttrs> planned;
  for (int s = 0; s < 4; ++s)
    for (const char* m : {"vanilla", "scaled"})
      planned.push_back(
          {{"method", std::string(m)}, {"size", std::string("cpu")}, {"seed", int64_t{s}}});
  auto error_of = [&](const std::string& yaml) {
    try {
      checks::validate(YAML::Load(yaml), planned, "study.yaml: expectations.cpu");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error_of(kClaim).empty());
  CHECK_THAT(error_of("- {name: a, kind: comapre, metric: 'm/x:last'}"),
             Catch::Matchers::Contains("study.yaml: expectations.cpu[0]") &&
                 Catch::Matchers::Contains("unknown check kind 'comapre'"));
  CHECK_THAT(
      error_of("- {name: a, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, "
               "metric: 'm/x:last', test: ttest}"),
      Catch::Matchers::Contains("key 'test'") && Catch::Matchers::Contains("ttest"));
  CHECK_THAT(
      error_of("- {name: a, kind: compare, lower: {method: scaled}, higher: {method: vanila}, "
               "metric: 'm/x:last', test: sign}"),
      Catch::Matchers::Contains("select no pairs") && Catch::Matchers::Contains("'a'"));
  CHECK_THAT(
      error_of("- {name: a, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, "
               "metric: 'm/x:last'}"),
      Catch::Matchers::Contains("missing key 'test'"));
  CHECK_THAT(error_of("- {name: a, kind: range, metric: 'm/x:lastt'}"),
             Catch::Matchers::Contains("unknown reduction 'lastt'"));
  CHECK_THAT(error_of("- {name: a, kind: range, metric: 'm/x:last', colour: red}"),
             Catch::Matchers::Contains("unknown key 'colour'"));
  CHECK_THAT(error_of("- {name: a, kind: golden, metric: 'm/x:last', rtol: 1.0e-4, "
                      "cross_cpu_rtol: 1.0e-5}"),
             Catch::Matchers::Contains("study.yaml: expectations.cpu[0]") &&
                 Catch::Matchers::Contains("'cross_cpu_rtol'"));
  CHECK_THAT(error_of("- {name: a, kind: golden, metric: 'm/x:last', rtol: .nan}"),
             Catch::Matchers::Contains("study.yaml: expectations.cpu[0]") &&
                 Catch::Matchers::Contains("'rtol'"));
  CHECK_THAT(error_of("- {name: a, kind: golden, metric: 'm/x:last', rtol: -1.0e-4}"),
             Catch::Matchers::Contains("'rtol'"));
}

TEST_CASE("golden values and verdicts are written on --update-golden and then gate", "[checks]") {
  const fs::path dir = fs::temp_directory_path() / "spikebench-test-golden";
  fs::remove_all(dir);
  const auto e = YAML::Load(std::string(kClaim) +
                            "- {name: g, kind: golden, metric: 'm/x:last', rtol: 1.0e-6}\n");
  auto root = paired(10, [](int) { return 0.5; });
  checks::evaluate(root, e, {dir, /*update_golden=*/true});
  REQUIRE(fs::exists(dir / "cpu" / "unit.yaml"));
  auto same = paired(10, [](int) { return 0.5; });
  auto v = verdicts(checks::evaluate(same, e, {dir, false}));
  CHECK(v["g"] == "pass");
  CHECK(v["golden_verdicts"] == "pass");
  // A regression: the values move and the claim verdict flips (pass -> fail).
  auto broken = paired(10, [](int) { return -0.5; });
  v = verdicts(checks::evaluate(broken, e, {dir, false}));
  CHECK(v["g"] == "fail");
  CHECK(v["golden_verdicts"] == "fail");
  // --update-verdicts (a deliberate change of the statistics) rewrites the verdicts only: the
  // file's comments, machine record and values stay byte for byte.
  const fs::path file = dir / "cpu" / "unit.yaml";
  std::string before = slurp(file);
  before.insert(0, "# a note kept\n");
  std::ofstream(file) << before;
  checks::Options rewrite{dir, false};
  rewrite.update_verdicts = true;
  checks::evaluate(broken, e, rewrite);
  const std::string after = slurp(file);
  const auto head = before.substr(0, before.find("\nverdicts:"));
  CHECK(after.substr(0, head.size()) == head);
  CHECK_THAT(after, Catch::Matchers::Contains("stabler: fail"));
  v = verdicts(checks::evaluate(broken, e, {dir, false}));
  CHECK(v["golden_verdicts"] == "pass");
  CHECK(v["g"] == "fail");  // the values were not rewritten
  fs::remove_all(dir);
}

/// A results tree of 10 runs (value 1 + 0.01 s, times `factor`) from a machine described by `m`.
results::Group on_machine(const std::map<std::string, std::string>& m, double factor) {
  auto root = new_root();
  for (const auto& [key, value] : m) root.attrs[key] = value;
  for (int s = 0; s < 10; ++s) add_run(root, "scaled", s, (1.0 + 0.01 * s) * factor);
  return root;
}

const std::map<std::string, std::string> kIntel = {{"cpu_vendor", "GenuineIntel"},
                                                   {"cpu", "Intel(R) Xeon(R) CPU @ 2.20GHz"},
                                                   {"cpu_isa", "AVX512"},
                                                   {"libtorch", "2.11.0"},
                                                   {"numerics_env", ""}};

TEST_CASE("golden values: rtol on the golden file's machine, cross_cpu_rtol on another",
          "[checks]") {
  const fs::path dir = fs::temp_directory_path() / "spikebench-test-golden-machine";
  fs::remove_all(dir);
  const auto strict_only =
      YAML::Load("- {name: g, kind: golden, metric: 'm/x:last', rtol: 1.0e-6}");
  const auto e = YAML::Load(
      "- {name: g, kind: golden, metric: 'm/x:last', rtol: 1.0e-6, cross_cpu_rtol: 2.0e-2}");
  auto written = on_machine(kIntel, 1.0);
  checks::evaluate(written, e, {dir, /*update_golden=*/true});
  const auto golden = YAML::LoadFile((dir / "cpu" / "unit.yaml").string());
  CHECK(golden["machine"]["cpu_vendor"].as<std::string>() == "GenuineIntel");
  CHECK(golden["machine"]["cpu_isa"].as<std::string>() == "AVX512");
  CHECK(golden["machine"]["numerics_env"].as<std::string>().empty());
  auto reason = [&](const results::Group& root) {
    const auto* g = root.find_group("checks/g");
    return g ? g->attr_string("reason") : std::string("(no check result)");
  };

  auto amd = kIntel;
  amd["cpu_vendor"] = "AuthenticAMD", amd["cpu"] = "AMD EPYC", amd["cpu_isa"] = "AVX2";
  // On the golden file's machine a 1 % move is a regression; on another CPU it is within 2e-2.
  auto same = on_machine(kIntel, 1.01);
  CHECK(verdicts(checks::evaluate(same, e, {dir, false}))["g"] == "fail");
  CHECK_THAT(reason(same), !Catch::Matchers::Contains("not the golden file's machine"));
  auto other = on_machine(amd, 1.01);
  CHECK(verdicts(checks::evaluate(other, e, {dir, false}))["g"] == "pass");
  CHECK_THAT(reason(other), Catch::Matchers::Contains("max rel. dev. 0.01") &&
                                Catch::Matchers::Contains("cpu_vendor 'AuthenticAMD', golden "
                                                          "'GenuineIntel'; cpu 'AMD EPYC', golden "
                                                          "'Intel(R) Xeon(R) CPU @ 2.20GHz'; "
                                                          "cpu_isa 'AVX2', golden 'AVX512'") &&
                                Catch::Matchers::Contains("within cross-CPU rtol 0.02"));
  // ... but a 3 % move is a regression everywhere, and without a declared cross_cpu_rtol the
  // check stays at rtol and says so.
  auto far = on_machine(amd, 1.03);
  CHECK(verdicts(checks::evaluate(far, e, {dir, false}))["g"] == "fail");
  auto undeclared = on_machine(amd, 1.01);
  CHECK(verdicts(checks::evaluate(undeclared, strict_only, {dir, false}))["g"] == "fail");
  CHECK_THAT(reason(undeclared), Catch::Matchers::Contains("(no cross_cpu_rtol declared)"));
  // ISA pinning through the environment, another LibTorch, or a results file without a record
  // are other machines too.
  for (const auto& [key, value] : std::map<std::string, std::string>{
           {"numerics_env", "MKL_ENABLE_INSTRUCTIONS=AVX2"}, {"libtorch", "2.12.0"}}) {
    CAPTURE(key);
    auto m = kIntel;
    m[key] = value;
    auto r = on_machine(m, 1.01);
    CHECK(verdicts(checks::evaluate(r, e, {dir, false}))["g"] == "pass");
    CHECK_THAT(reason(r), Catch::Matchers::Contains(key + " '" + value + "'"));
  }
  auto unrecorded = on_machine({}, 1.01);
  CHECK(verdicts(checks::evaluate(unrecorded, e, {dir, false}))["g"] == "pass");
  CHECK_THAT(reason(unrecorded), Catch::Matchers::Contains("cpu_vendor '(not recorded)'"));

  // A golden file that does not record the CPU model (written before the record existed) does not
  // constrain it; one without any record never counts as the same machine.
  auto g = YAML::LoadFile((dir / "cpu" / "unit.yaml").string());
  g["machine"].remove("cpu");
  { std::ofstream(dir / "cpu" / "unit.yaml") << g; }
  auto other_model = kIntel;
  other_model["cpu"] = "Intel(R) Xeon(R) Platinum 8375C";
  auto model_only = on_machine(other_model, 1.01);
  CHECK(verdicts(checks::evaluate(model_only, e, {dir, false}))["g"] == "fail");
  g.remove("machine");
  { std::ofstream(dir / "cpu" / "unit.yaml") << g; }
  auto no_record = on_machine(kIntel, 1.01);
  CHECK(verdicts(checks::evaluate(no_record, e, {dir, false}))["g"] == "pass");
  CHECK_THAT(reason(no_record), Catch::Matchers::Contains("the golden file records no machine"));
  fs::remove_all(dir);
}

TEST_CASE(
    "golden files per CPU vendor and instruction set, and values declared not comparable "
    "across CPUs",
    "[checks]") {
  const fs::path dir = fs::temp_directory_path() / "spikebench-test-golden-isa";
  fs::remove_all(dir);
  auto amd = kIntel;
  amd["cpu_vendor"] = "AuthenticAMD", amd["cpu"] = "AMD EPYC", amd["cpu_isa"] = "AVX2";
  const auto e = YAML::Load("- {name: g, kind: golden, metric: 'm/x:last', rtol: 1.0e-6}");
  auto intel = on_machine(kIntel, 1.0);
  checks::evaluate(intel, e, {dir, /*update_golden=*/true});  // the default file: Intel AVX512
  // An AMD AVX2 file beside it is chosen for AMD AVX2 results only (and rewritten by
  // --update-golden there); Intel AVX2 results still read the default file.
  const fs::path amd_file = dir / "cpu" / "unit.AuthenticAMD.AVX2.yaml";
  fs::copy_file(dir / "cpu" / "unit.yaml", amd_file);
  CHECK(checks::golden_file(dir, "cpu", "unit", on_machine(amd, 1.0)) == amd_file);
  CHECK(checks::golden_file(dir, "cpu", "unit", intel) == dir / "cpu" / "unit.yaml");
  auto intel_avx2 = kIntel;
  intel_avx2["cpu_isa"] = "AVX2";
  CHECK(checks::golden_file(dir, "cpu", "unit", on_machine(intel_avx2, 1.0)) ==
        dir / "cpu" / "unit.yaml");
  auto amd_run = on_machine(amd, 1.5);
  checks::evaluate(amd_run, e, {dir, /*update_golden=*/true});
  CHECK(YAML::LoadFile(amd_file.string())["machine"]["cpu_isa"].as<std::string>() == "AVX2");
  CHECK(YAML::LoadFile((dir / "cpu" / "unit.yaml").string())["machine"]["cpu_isa"]
            .as<std::string>() == "AVX512");
  auto again = on_machine(amd, 1.5);
  CHECK(verdicts(checks::evaluate(again, e, {dir, false}))["g"] == "pass");  // its own file
  // cross_cpu: skip — on another machine the values are not compared (skip, saying why); on the
  // golden file's machine they are, at rtol.
  fs::remove(amd_file);
  const auto skip =
      YAML::Load("- {name: g, kind: golden, metric: 'm/x:last', rtol: 1.0e-6, cross_cpu: skip}");
  auto moved = on_machine(amd, 1.5);
  CHECK(verdicts(checks::evaluate(moved, skip, {dir, false}))["g"] == "skip");
  CHECK_THAT(moved.find_group("checks/g")->attr_string("reason"),
             Catch::Matchers::Contains("not comparable across machines"));
  auto same = on_machine(kIntel, 1.5);
  CHECK(verdicts(checks::evaluate(same, skip, {dir, false}))["g"] == "fail");
  CHECK_THROWS_WITH(
      checks::evaluate(same,
                       YAML::Load("- {name: g, kind: golden, metric: 'm/x:last', rtol: 1.0e-6, "
                                  "cross_cpu: skip, cross_cpu_rtol: 0.1}"),
                       {dir, false}),
      Catch::Matchers::Contains("key 'cross_cpu'"));
  // --update-golden --machine-golden creates the results' own file and leaves the default one;
  // from then on that machine's results are checked against it.
  const fs::path intel_file = dir / "cpu" / "unit.GenuineIntel.AVX512.yaml";
  const std::string default_before = slurp(dir / "cpu" / "unit.yaml");
  checks::Options create{dir, /*update_golden=*/true};
  create.machine_golden = true;
  auto intel_run = on_machine(kIntel, 2.5);
  checks::evaluate(intel_run, e, create);
  CHECK(fs::exists(intel_file));
  CHECK(slurp(dir / "cpu" / "unit.yaml") == default_before);
  CHECK(checks::golden_file(dir, "cpu", "unit", intel) == intel_file);
  auto intel_again = on_machine(kIntel, 2.5);
  CHECK(verdicts(checks::evaluate(intel_again, e, {dir, false}))["g"] == "pass");
  auto amd_again = on_machine(amd, 2.5);  // AMD AVX2 still reads the default file: 2.5 vs 1.0
  CHECK(verdicts(checks::evaluate(amd_again, e, {dir, false}))["g"] == "fail");
  CHECK_THAT(amd_again.find_group("checks/g")->attr_string("reason"),
             Catch::Matchers::Contains("--machine-golden"));
  CHECK_THAT(intel_again.find_group("checks/g")->attr_string("reason"),
             !Catch::Matchers::Contains("--machine-golden"));
  fs::remove_all(dir);
}

TEST_CASE("the machine record: /proc/cpuinfo's first processor and the pinning variables",
          "[checks]") {
  const auto intel = parse_cpuinfo(
      "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel name\t: Intel(R) Xeon(R) "
      "CPU @ 2.20GHz\nflags\t\t: fpu avx512f\n\nprocessor\t: 1\nvendor_id\t: Other\nmodel "
      "name\t: Other\n");
  CHECK(intel.vendor == "GenuineIntel");
  CHECK(intel.model == "Intel(R) Xeon(R) CPU @ 2.20GHz");
  const auto arm = parse_cpuinfo("processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n");
  CHECK(arm.vendor == "unknown");
  CHECK(arm.model == "unknown");
  CHECK(parse_cpuinfo("").model == "unknown");

  const char* kept = std::getenv("MKL_CBWR");
  const std::string before = kept ? kept : "";
  ::setenv("MKL_CBWR", "AVX2", 1);
  CHECK_THAT(numerics_env(), Catch::Matchers::Contains("MKL_CBWR=AVX2"));
  const auto record = machine_record();
  CHECK(record.at("numerics_env") == numerics_env());
  CHECK_FALSE(record.at("cpu_isa").empty());
  CHECK(record.at("libtorch") == TORCH_VERSION);
  for (const auto& key : machine_keys()) CHECK(record.count(key) == 1);
  if (kept)
    ::setenv("MKL_CBWR", before.c_str(), 1);
  else
    ::unsetenv("MKL_CBWR");
}

TEST_CASE("re-evaluating a results tree gives identical verdicts and p-values", "[checks]") {
  auto root = paired(9, [](int s) { return s == 3 ? -0.1 : 0.2 + 0.01 * s; });
  const auto e = YAML::Load(R"(
- {name: w, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: "m/x:last", test: wilcoxon}
- {name: b, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: "m/x:last", test: bootstrap}
)");
  checks::evaluate(root, e, kNoBaselines);
  const auto first = results::clone(*root.find_group("checks"));
  checks::evaluate(root, e, kNoBaselines);
  for (const char* name : {"w", "b"})
    for (const auto& [key, value] : first.find_group(name)->attrs) {
      CAPTURE(name, key);
      CHECK(results::to_string(root.find_group(std::string("checks/") + name)->attrs.at(key)) ==
            results::to_string(value));
    }
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
  // step_of_min: the sibling `step` at the curve's minimum (App. E's "rose from ~10000 steps").
  for (double x : {500.0, 1000.0, 1500.0}) run.dataset("train/step").append(x);
  CHECK(checks::metric(run, "train/loss:step_of_min") == 1000.0);
  run.dataset("valid/loss").append(1.0);  // no valid/step beside it: NaN, not a guess
  CHECK(std::isnan(checks::metric(run, "valid/loss:step_of_min")));
}

TEST_CASE("loss jump and recovery reductions, by hand", "[checks]") {
  results::Group run;
  // Warmup jump at row 2 (5.0 over the minimum 3.0 of rows 0-1: rise 2.0); a later rise of 1.0
  // (row 6: 3.0 over 2.0). Back within 25 % of the jump (3.0 + 0.5 = 3.5) at row 4: 2 rows.
  for (double x : {4.0, 3.0, 5.0, 4.0, 3.4, 2.0, 3.0, 2.5}) run.dataset("train/loss").append(x);
  CHECK(checks::metric(run, "train/loss:max_rise") == Approx(2.0));
  CHECK(checks::metric(run, "train/loss:recovery_25") == 2.0);
  CHECK(checks::metric(run, "train/loss:recovery_10") == 3.0);  // 3.2: row 5 (2.0)
  const auto j = checks::largest_jump({4.0, 3.0, 5.0, 4.0, 3.4, 2.0, 3.0, 2.5});
  CHECK(j.row == 2);
  CHECK(j.floor == 3.0);
  CHECK(checks::recovery({3.0, 2.0, 1.0}, 0.1) == 0.0);              // never rose
  CHECK(std::isinf(checks::recovery({3.0, 2.0, 6.0, 5.0}, 0.25)));   // never came back
  CHECK(checks::largest_jump({3.0, NAN, 4.0}).rise == Approx(1.0));  // NaN rows skipped
  CHECK_THROWS_WITH(checks::validate_metric("train/loss:recovery_0", "s.yaml"),
                    Catch::Matchers::Contains("recovery_P"));
}

TEST_CASE("the response to an event at update K (injected spikes), by hand", "[checks]") {
  results::Group run;
  // Rows 0-9; the event at update 5. base = median of rows 0-4 {4, 3.8, 3.6, 3.4, 3.2} = 3.6.
  // After it: rows 6-9 = 5.6, 4.6, 3.7, 3.0: rise 5.6 - 3.6 = 2.0 (row 5's 9.0, the perturbed
  // batch's own loss, is not a jump); back within 10 % (3.8) at row 8: 8 - 5 = 3 updates.
  for (double x : {4.0, 3.8, 3.6, 3.4, 3.2, 9.0, 5.6, 4.6, 3.7, 3.0})
    run.dataset("train/loss").append(x);
  CHECK(checks::metric(run, "train/loss:rise_after_5") == Approx(2.0));
  CHECK(checks::metric(run, "train/loss:recovery_after_5") == 3.0);
  // ratio: rows 5..15 (here 5-9) over the base: 9.0 / 3.6 — the perturbed update's own counts.
  CHECK(checks::metric(run, "train/loss:ratio_after_5") == Approx(2.5));
  // The median of an even number of values (event at 2: rows 0-1 -> 3.9); rows 3.. peak 9.0.
  CHECK(checks::metric(run, "train/loss:rise_after_2") == Approx(9.0 - 3.9));
  // Nothing rose: 0 updates; never back: +inf; a blow-up: +inf; no row after K: NaN.
  CHECK(checks::after_event({3.0, 3.0, 2.0, 1.0, 0.5}, "recovery_after_", 2) == 0.0);
  CHECK(std::isinf(checks::after_event({3.0, 3.0, 2.0, 6.0, 5.0}, "recovery_after_", 2)));
  CHECK(std::isinf(checks::after_event({3.0, 3.0, 2.0, INFINITY}, "rise_after_", 2)));
  CHECK(std::isinf(checks::after_event({3.0, 3.0, 2.0, INFINITY}, "recovery_after_", 2)));
  CHECK(std::isnan(checks::after_event({3.0, 3.0, 2.0}, "rise_after_", 2)));
  CHECK_THROWS_WITH(checks::validate_metric("train/loss:rise_after_0", "s.yaml"),
                    Catch::Matchers::Contains("K >= 1"));
  CHECK_NOTHROW(checks::validate_metric("train/grad_norm:ratio_after_60", "s.yaml"));
  CHECK_NOTHROW(checks::validate_metric("train/loss:recovery_after_60", "s.yaml"));
}

TEST_CASE("compare with control: the treatment's effect on each side, paired (diff in diffs)",
          "[checks]") {
  // 8 seeds. Controls: vanilla 2.0 + s/100, scaled 1.9 + s/100 (scaled is better at baseline).
  // The treatment adds 0.10 to vanilla and 0.02 + s/1000 to scaled: vanilla damaged more in 8 of
  // 8 pairs by 0.08 - s/1000. Without the control, the baseline gap (0.1) would be in it too.
  auto root = new_root();
  for (int s = 0; s < 8; ++s) {
    add_run(root, "vanilla_none", s, 2.0 + s / 100.0);
    add_run(root, "scaled_none", s, 1.9 + s / 100.0);
    add_run(root, "vanilla_hit", s, 2.0 + s / 100.0 + 0.10);
    add_run(root, "scaled_hit", s, 1.9 + s / 100.0 + 0.02 + s / 1000.0);
  }
  const char* yaml = R"(
- {name: damage, kind: compare, lower: {method: scaled_hit}, higher: {method: vanilla_hit}, metric: "m/x:last", test: wilcoxon, control: {lower: {method: scaled_none}, higher: {method: vanilla_none}}}
)";
  CHECK(verdicts(checks::evaluate(root, YAML::Load(yaml), kNoBaselines))["damage"] == "pass");
  const auto& c = *root.find_group("checks/damage");
  CHECK(c.attr_number("n_pairs") == 8);
  CHECK(c.attr_number("effect") == Approx(0.08 - 3.5 / 1000));  // mean of 0.08 - s/1000
  CHECK(c.attr_number("p_value") == Approx(1.0 / 256));
  CHECK_THAT(c.attr_string("statistic"), Catch::Matchers::Contains("minus its control's"));
  // A diverged control leaves its pair out (counted); a diverged treated run ranks worst.
  root.group("runs/scaled_none-s0").attrs["status"] = std::string("diverged@10");
  root.group("runs/vanilla_hit-s1").attrs["status"] = std::string("diverged@60");
  checks::evaluate(root, YAML::Load(yaml), kNoBaselines);
  CHECK(root.find_group("checks/damage")->attr_number("n_pairs") == 7);
  // Keys checked before anything runs: both sides, and a per-run metric.
  auto throws_with = [&](const std::string& y, const std::string& what) {
    CHECK_THROWS_WITH(checks::evaluate(root, YAML::Load(y), kNoBaselines),
                      Catch::Matchers::Contains(what));
  };
  throws_with(
      R"(- {name: d, kind: compare, lower: {method: scaled_hit}, higher: {method: vanilla_hit}, metric: "m/x:last", test: sign, control: {lower: {method: scaled_none}}})",
      "key 'control.higher'");
  throws_with(
      R"(- {name: d, kind: compare, lower: {method: scaled_hit}, higher: {method: vanilla_hit}, metric: diverged, test: mcnemar, control: {lower: {method: scaled_none}, higher: {method: vanilla_none}}})",
      "per-run metric");
}

TEST_CASE("compare, bootstrap: W of N counts the pairs the test used, diverged runs excluded",
          "[checks]") {
  // 8 pairs, vanilla diverged in 2. Before: wins counted over all 8 pairs (inf included) while
  // n_pairs was reset to the 6 finite ones ("8 of 6 pairs"), and `diverged: high` silently
  // became exclusion.
  auto root = paired(8, [](int s) { return 0.2 + 0.01 * s; });
  for (int s : {0, 1})
    root.group("runs/vanilla-s" + std::to_string(s)).attrs["status"] = std::string("diverged@3");
  const auto e = YAML::Load(
      R"(- {name: b, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: "m/x:last", test: bootstrap})");
  checks::evaluate(root, e, kNoBaselines);
  const auto& c = *root.find_group("checks/b");
  CHECK(c.attr_number("n_pairs") == 6);
  CHECK(c.attr_number("wins") == 6);
  CHECK(c.attr_number("excluded") == 2);
  CHECK_THAT(c.attr_string("reason"), Catch::Matchers::Contains("6 of 6 pairs"));
  std::vector<checks::RunAttrs> planned;
  for (int s = 0; s < 4; ++s)
    for (const char* m : {"vanilla", "scaled"})
      planned.push_back(
          {{"method", std::string(m)}, {"size", std::string("cpu")}, {"seed", int64_t{s}}});
  try {
    checks::validate(
        YAML::Load(
            R"(- {name: b, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: "m/x:last", test: bootstrap, diverged: high})"),
        planned, "s.yaml");
    FAIL("bootstrap with diverged: high was accepted");
  } catch (const Error& err) {
    CHECK_THAT(std::string(err.what()), Catch::Matchers::Contains("key 'diverged'"));
  }
}

TEST_CASE("compare: the reason's reverse p is the raw p, its Holm value named apart", "[checks]") {
  // Before: "reverse p = " printed the Holm-adjusted value. Two claims, all pairs the reverse
  // way: raw reverse p 1/64 each (wilcoxon, 6 pairs), Holm over the 4 hypotheses 4/64.
  auto root = paired(6, [](int s) { return -(0.1 + 0.01 * s); });
  std::string e;
  for (const char* n : {"a", "b"})
    e += std::string("- {name: ") + n +
         ", kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: 'm/x:last', "
         "test: wilcoxon}\n";
  checks::evaluate(root, YAML::Load(e), kNoBaselines);
  const auto reason = root.find_group("checks/a")->attr_string("reason");
  CHECK_THAT(reason, Catch::Matchers::Contains("reverse p = 0.015625, Holm 0.0625"));
}

TEST_CASE("compare: power, Hodges-Lehmann and the evidence id of every paired claim", "[checks]") {
  SECTION("3 pairs cannot reach alpha: inconclusive says underpowered") {
    auto root = paired(3, [](int) { return 0.5; });
    checks::evaluate(root, YAML::Load(kClaim), kNoBaselines);
    const auto& c = *root.find_group("checks/stabler");
    CHECK(c.attr_string("verdict") == "inconclusive");
    CHECK(c.attr_number("min_attainable_p") == Approx(0.125));
    CHECK(c.attr_number("min_attainable_p_adjusted") == Approx(0.25));  // claim + reverse
    CHECK_THAT(c.attr_string("reason"), Catch::Matchers::Contains("underpowered"));
    CHECK(std::isinf(c.attr_number("mde")));
  }
  SECTION("8 pairs: the smallest p after Holm over 2 claims, the MDE, the HL interval") {
    auto root = paired(8, [](int s) { return 0.1 * (s + 1); });  // d = 0.1 .. 0.8
    const auto e = YAML::Load(R"(
- {name: a, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: "m/x:last", test: wilcoxon}
- {name: a_again, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: "m/x:last", test: wilcoxon}
- {name: other_test, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: "m/x:last", test: sign, family: false}
)");
    checks::evaluate(root, e, kNoBaselines);
    const auto& a = *root.find_group("checks/a");
    CHECK(a.attr_number("min_attainable_p") == Approx(1.0 / 256));
    // `other_test` is out of the family (family: false), so the family is {a, a_again}.
    CHECK(a.attr_number("family_size") == 2);
    CHECK(a.attr_number("min_attainable_p_adjusted") == Approx(4.0 / 256));  // 2 claims, 2 ways
    CHECK(a.attr_number("hl") == Approx(0.45));  // Walsh medians of 0.1..0.8, as 1..8 above
    CHECK(a.attr_number("hl_lo") == Approx(0.2));
    CHECK(a.attr_number("hl_hi") == Approx(0.7));
    // MDE at alpha 0.05 / 4 (2 claims, both directions) with sd of 0.1..0.8 (0.24495) and
    // ARE 3/pi; z_{1-0.0125} = 2.241402727604947 (scipy norm.isf(0.0125)).
    const double sd = 0.2449489742783178, z = 2.241402727604947 + 0.8416212335729143;
    CHECK(a.attr_number("mde") == Approx(z * sd / std::sqrt(8 * 3 / 3.141592653589793)));
    // Same data, same test: one evidence id (one claim cited twice); another test: another id.
    CHECK(a.attr_string("evidence") == root.find_group("checks/a_again")->attr_string("evidence"));
    CHECK(a.attr_string("evidence") !=
          root.find_group("checks/other_test")->attr_string("evidence"));
  }
}

TEST_CASE("compare: divergence as a paired 0/1 outcome (exact McNemar) and the critical lr",
          "[checks]") {
  SECTION("mcnemar over discordant pairs") {
    // 10 seeds: vanilla diverged in 7, scaled in 1 (seed 0, where vanilla diverged too): 6
    // discordant pairs all against vanilla: exact McNemar p = 2^-6.
    auto root = paired(10, [](int) { return 0.0; });
    for (int s = 0; s < 7; ++s)
      root.group("runs/vanilla-s" + std::to_string(s)).attrs["status"] = std::string("diverged@9");
    root.group("runs/scaled-s0").attrs["status"] = std::string("diverged@5");
    const auto e = YAML::Load(
        R"(- {name: d, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: diverged, test: mcnemar})");
    CHECK(verdicts(checks::evaluate(root, e, kNoBaselines))["d"] == "pass");
    const auto& c = *root.find_group("checks/d");
    CHECK(c.attr_number("p_value") == Approx(1.0 / 64));
    CHECK(c.attr_number("wins") == 6);
    CHECK(c.attr_number("ties") == 4);
    CHECK_THAT(c.attr_string("test_method"), Catch::Matchers::Contains("McNemar"));
  }
  SECTION("a metric above a bound as the 0/1 outcome (failed = stalled or diverged)") {
    // vanilla's final value 3.2 (> 3.09: stalled) in seeds 0-5, diverged in 6, trained (2.8) in
    // 7; scaled trains (2.8) everywhere: 7 discordant pairs, p = 2^-7.
    auto root = new_root();
    for (int s = 0; s < 8; ++s) {
      add_run(root, "scaled", s, 2.8);
      add_run(root, "vanilla", s, s < 6 ? 3.2 : 2.8, s == 6 ? "diverged@40" : "ok");
    }
    const auto e = YAML::Load(
        R"(- {name: f, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: "m/x:last", above: 3.09, test: mcnemar})");
    CHECK(verdicts(checks::evaluate(root, e, kNoBaselines))["f"] == "pass");
    CHECK(root.find_group("checks/f")->attr_number("wins") == 7);
    CHECK(root.find_group("checks/f")->attr_number("p_value") == Approx(1.0 / 128));
  }
  SECTION("mcnemar needs the 0/1 metric") {
    std::vector<checks::RunAttrs> planned = {
        {{"method", std::string("scaled")}, {"size", std::string("cpu")}, {"seed", int64_t{0}}}};
    CHECK_THROWS_WITH(
        checks::validate(
            YAML::Load(
                R"(- {name: d, kind: compare, lower: {method: scaled}, higher: {method: vanilla}, metric: "m/x:last", test: mcnemar})"),
            planned, "s.yaml"),
        Catch::Matchers::Contains("key 'test'"));
  }
  SECTION("critical lr: the stable prefix of the grid, per method and seed") {
    CHECK(checks::critical_lr({1e-3, 1e-2, 1e-1}, {false, false, true}) == 1e-2);
    CHECK(checks::critical_lr({1e-1, 1e-3, 1e-2}, {false, false, true}) == 1e-3);  // any order
    CHECK(checks::critical_lr({1e-3, 1e-2}, {true, false}) == 0.0);                // below the grid
    CHECK(checks::critical_lr({1e-3, 1e-2}, {false, false}) == 1e-2);  // censored at the top
    auto root = new_root();
    const double lrs[] = {1e-3, 1e-2, 1e-1};
    for (int s = 0; s < 8; ++s)
      for (int i = 0; i < 3; ++i) {
        auto& v = add_run(root, "vanilla", s, 0, i >= 1 + s % 2 ? "diverged@4" : "ok", lrs[i]);
        v.dataset("train/loss").append(5.5), v.dataset("valid/loss").append(3.0);
        auto& c = add_run(root, "scaled", s, 0, "ok", lrs[i]);
        c.dataset("train/loss").append(5.5), c.dataset("valid/loss").append(3.0);
      }
    const auto e = YAML::Load(
        R"(- {name: c, kind: compare, lower: {method: vanilla}, higher: {method: scaled}, metric: critical_lr, test: sign})");
    CHECK(verdicts(checks::evaluate(root, e, kNoBaselines))["c"] == "pass");
    const auto* cl = root.find_group("summary/lr_sensitivity/vanilla")->find_dataset("critical_lr");
    REQUIRE(cl);
    CHECK(cl->values[0] == 1e-3);  // seed 0 diverged from 1e-2 on
    CHECK(cl->values[1] == 1e-2);  // seed 1 from 1e-1
    CHECK(
        root.find_group("summary/lr_sensitivity/scaled")->find_dataset("critical_lr")->values[0] ==
        1e-1);
  }
  SECTION("critical lr with lr_failed_above: a run stuck above the loss failed too") {
    auto root = new_root();
    root.attrs["lr_failed_above"] = 3.09;
    const double lrs[] = {1e-3, 1e-2, 5e-2};
    for (int i = 0; i < 3; ++i) {  // stalls at 5e-2 (3.2), trains below; nothing diverges
      auto& v = add_run(root, "vanilla", 0, 0, "ok", lrs[i]);
      v.dataset("train/loss").append(5.5), v.dataset("valid/loss").append(i == 2 ? 3.2 : 2.7);
    }
    checks::write_lr_sensitivity(root);
    const auto& g = *root.find_group("summary/lr_sensitivity/vanilla");
    CHECK(g.find_dataset("critical_lr")->values[0] == 1e-2);
    CHECK(g.attr_string("critical_lr_failed") == "diverged or valid/loss:last > 3.09");
    root.attrs.erase("lr_failed_above");  // without it only divergence counts: censored at 5e-2
    checks::write_lr_sensitivity(root);
    CHECK(
        root.find_group("summary/lr_sensitivity/vanilla")->find_dataset("critical_lr")->values[0] ==
        5e-2);
  }
}

TEST_CASE("compare command: a test with no pairs is not counted in Holm's m", "[checks]") {
  // 'a' pairs with the baseline in 8 seeds (all lower: two-sided p = 2/256); 'b' has no seed in
  // common with it. Before: b's test kept p = 1 and counted, so a's Holm p was 2 x 2/256.
  auto root = new_root();
  for (int s = 0; s < 8; ++s) {
    add_run(root, "base", s, 0).dataset("valid/loss").append(3.0 + 0.01 * s);
    add_run(root, "a", s, 0).dataset("valid/loss").append(2.0 + 0.02 * s);
    add_run(root, "b", 100 + s, 0).dataset("valid/loss").append(2.5);
  }
  const auto c = checks::compare_methods(root, {"base"}, {"base", "a", "b"});
  REQUIRE(c.tests.size() == 2);
  for (const auto& t : c.tests) {
    CAPTURE(t.method);
    if (t.method == "a") {
      CHECK(t.n == 8);
      CHECK(t.p_adjusted == Approx(2.0 / 256));
      CHECK(t.verdict == "lower");
    } else {
      CHECK(t.n == 0);
      CHECK(std::isnan(t.p_adjusted));
      CHECK(t.verdict == "no pairs");
    }
  }
}
