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
  std::string artifact, scale, rerun_rule;
  int seeds = 0;
  std::vector<std::string> sets;
  std::optional<std::string> baselines;
  bool force = false;
  opts.add_options()("artifact", po::value(&artifact)->required(), "artifact name or STUDY.yaml")(
      "scale", po::value(&scale)->default_value("cpu"), "cpu | gpu | paper")(
      "seeds", po::value(&seeds)->default_value(0), "seeds per grid point (0 = the study's)")(
      "set", po::value(&sets)->composing(), "override a run config key")(
      "rerun-rule", po::value(&rerun_rule)->default_value(""),
      "when a second confirmatory attempt is allowed (required; 'none' is a rule)")(
      "baselines", maybe(&baselines), "baselines folder (default: the source tree's)")(
      "force", po::bool_switch(&force), "replace an existing record (a new pre-registration)");
  if (!parse("preregister",
             "ARTIFACT|STUDY.yaml --rerun-rule TEXT [--scale cpu] [--seeds N] [--set K=V]... "
             "[--force]",
             opts, {{"artifact", 1}}, args))
    return 0;
  const Study study = find_study(artifact);
  const auto runs = study.runs(scale, seeds, sets);
  checks::validate(study.checks(scale), planned_attrs(runs));
  const auto dir = baselines ? std::filesystem::path(*baselines) : checks::default_baselines_dir();
  const auto path =
      prereg::write_record(dir, study, scale, runs, rerun_rule, git_sha(), now_iso(), force);
  const auto d = prereg::design_of(study, scale, runs);
  std::printf("%s: %zu claims, %zu runs pre-registered -> %s (sha256 %s)\n", study.name.c_str(),
              static_cast<size_t>(d.claims.size()), runs.size(), path.c_str(), d.hash.c_str());
  return 0;
}

SPIKEBENCH_COMMAND("preregister", run);

}  // namespace
}  // namespace spikebench::cli
