// spikebench preregister STUDY --scale S --rerun-rule TEXT: writes the pre-registration record
// of a confirmatory design (suite/prereg.h) before any of its runs.
#include <cstdio>

#include "core/error.h"
#include "suite/checks/checks.h"
#include "cli/command.h"
#include "cli/options.h"
#include "suite/pipeline.h"
#include "suite/prereg.h"

namespace spikebench::cli {
namespace {

int run(const std::vector<std::string>& args) {
  po::options_description opts("preregister options");
  opts.add_options()("artifact", po::value<std::string>()->required(),
                     "artifact name or STUDY.yaml")(
      "scale", po::value<std::string>()->default_value("cpu"), "cpu | gpu | paper")(
      "seeds", po::value<int>()->default_value(0), "seeds per grid point (0 = the study's)")(
      "set", po::value<std::vector<std::string>>()->composing(), "override a run config key")(
      "rerun-rule", po::value<std::string>()->default_value(""),
      "when a second confirmatory attempt is allowed (required; 'none' is a rule)")(
      "baselines", po::value<std::string>(), "baselines folder (default: the source tree's)")(
      "force", po::bool_switch(), "replace an existing record (a new pre-registration)");
  auto vm = parse("preregister",
                  "ARTIFACT|STUDY.yaml --rerun-rule TEXT [--scale cpu] [--seeds N] [--set K=V]... "
                  "[--force]",
                  opts, {{"artifact", 1}}, args);
  if (!vm) return 0;
  const Study study = find_study((*vm)["artifact"].as<std::string>());
  const auto scale = (*vm)["scale"].as<std::string>();
  std::vector<std::string> sets;
  if (vm->count("set")) sets = (*vm)["set"].as<std::vector<std::string>>();
  const auto runs = study.runs(scale, (*vm)["seeds"].as<int>(), sets);
  checks::validate(study.checks(scale), planned_attrs(runs));
  const auto dir = vm->count("baselines")
                       ? std::filesystem::path((*vm)["baselines"].as<std::string>())
                       : checks::default_baselines_dir();
  const auto path =
      prereg::write_record(dir, study, scale, runs, (*vm)["rerun-rule"].as<std::string>(),
                           git_sha(), now_iso(), (*vm)["force"].as<bool>());
  const auto d = prereg::design_of(study, scale, runs);
  std::printf("%s: %zu claims, %zu runs pre-registered -> %s (sha256 %s)\n", study.name.c_str(),
              static_cast<size_t>(d.claims.size()), runs.size(), path.c_str(), d.hash.c_str());
  return 0;
}

SPIKEBENCH_COMMAND("preregister", run);

}  // namespace
}  // namespace spikebench::cli
