// The typed study (issue 26): a study's YAML is read once, each run's runner config is parsed
// once (Study::runs fills RunSpec::typed) and each scale's checks once (Study::checks); what
// the pipeline, plan and pre-registration use afterwards is the parsed value. Counted with a
// runner and a check kind registered here.
#include <atomic>
#include <catch2/catch.hpp>

#include "suite/checks/checks.h"
#include "suite/config/reader.h"
#include "suite/pipeline.h"
#include "suite/runner.h"
#include "suite/study.h"
#include "tests/suite/checks_yaml.h"

namespace sb = spikebench;

namespace {

std::atomic<int> config_parses{0}, check_parses{0};

struct CountedConfig : sb::RunnerConfig {
  int64_t steps = 0;
  static CountedConfig parse(const sb::config::Reader& r) {
    ++config_parses;
    return {{}, r.integer("steps", 1)};
  }
  sb::Cost cost() const { return {double(steps), 0, true, 1}; }
};

void run_counted(sb::RunContext& ctx, const CountedConfig& c) { ctx.group.attrs["steps"] = c.steps; }

SPIKEBENCH_RUNNER(
    "test_counted", CountedConfig, "test runner that counts its config parses",
    [] { return "steps: 1\nsize: ''\nseed: 0\n"; }, false, run_counted);

class CountedCheck : public sb::checks::Check {
 public:
  CountedCheck(const sb::config::Reader& spec, std::string where) : Check(spec, std::move(where)) {
    require_keys(spec, "{}");
    ++check_parses;
  }
  sb::checks::Result evaluate(sb::checks::Context&) const override {
    sb::checks::Result r;
    r.verdict = sb::checks::Verdict::pass;
    return r;
  }
  bool is_claim() const override { return false; }
};

SPIKEBENCH_CHECK("test_counted", "test check kind that counts its parses", CountedCheck);

constexpr const char* kStudy = R"(
runner: test_counted
methods: {a: {}, b: {steps: 3}}
grid: {sizes: [s], seeds: 2}
scales: {cpu: {}}
expectations:
  cpu:
    - {name: counted, kind: test_counted}
)";

}  // namespace

TEST_CASE("a study's checks and each run's config are parsed once, then used typed",
          "[study]") {
  config_parses = 0, check_parses = 0;
  const sb::Study study = sb::parse_study(kStudy, "counted.yaml");
  CHECK(check_parses == 1);  // with the study, at load
  const auto runs = study.runs("cpu", 0, {});
  REQUIRE(runs.size() == 4);
  CHECK(config_parses == 4);  // one per run, in Study::runs
  // What run_study, plan and the workers ask of a run after that parses nothing again.
  for (const auto& r : runs) {
    REQUIRE(r.typed);
    CHECK(r.typed->requirements({}).empty());
    CHECK(r.typed->cost().tokens == (r.method == "b" ? 3 : 1));
  }
  sb::checks::validate(study.checks("cpu"), sb::planned_attrs(runs));
  sb::results::Group root;
  const auto outcomes = sb::checks::evaluate(root, study.checks("cpu"), {});
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].verdict == sb::checks::Verdict::pass);
  CHECK(config_parses == 4);
  CHECK(check_parses == 1);
  CHECK(study.checks("gpu").empty());  // undeclared: no checks, no parse
}
