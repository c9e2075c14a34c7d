// The study YAML parser and everything `spikebench run` validates before a file is created:
// the grid's runs and their keys at every declared scale, the expectations against the planned
// runs, and each run's config against its runner (data folder: SPIKEBENCH_DATA_DIR). Malformed
// studies are an Error naming the file and key; a YAML exception escaping would be a finding
// (its message names neither).
#include "core/registry.h"
#include "fuzz/fuzz_common.h"
#include "suite/checks/checks.h"
#include "suite/pipeline.h"
#include "suite/runner.h"
#include "suite/study.h"

using namespace spikebench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::expect_ok_or_error([&] {
    const Study study = parse_study(text, "fuzz.yaml");
    const Runner& runner = Registry<Runner>::instance().get(study.runner);
    const Environment env{runner.needs_data ? fuzz::data_dir() : std::filesystem::path(), false};
    for (const auto& scale : study.scales()) {
      if (!study.skip_reason(scale).empty()) continue;
      const auto runs = study.runs(scale, 0, {});
      checks::validate(study.checks(scale), planned_attrs(runs));
      for (const auto& r : runs) (void)r.typed->requirements(env);
    }
  });
  return 0;
}
