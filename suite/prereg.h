#pragma once
// Pre-registration, enforced by the tool (issue 25): a confirmatory run commits to its claims
// and grid before any of its data exists.
//   - `spikebench preregister STUDY --scale S --rerun-rule TEXT` writes
//     baselines/prereg/<study>-<scale>.yaml: the claim expectations (canonical: keys sorted),
//     the grid (methods, sizes, lrs, seeds, and a sha256 of every run's resolved config), the
//     rerun rule, and the sha256 of the claims + grid — in a commit of its own, before the runs.
//   - Pilot seed ranges are declared once, in baselines/prereg/pilot-seeds.yaml; a
//     pre-registered grid whose seeds overlap one is an error naming `grid.seeds`.
//   - Every run of a study with a record states in its results file whether it matches
//     (`prereg`: "matches <hash>" | "differs: ..." | "none"); `run --confirmatory` refuses a
//     study that differs, and appends the attempt to baselines/prereg/<study>-<scale>.attempts
//     (append-only: attempt number, time, git sha, hash, seeds, reason), so a second attempt is
//     visible with the rule that allowed it (`--rerun-reason`, required after the first).
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "suite/study.h"

namespace spikebench::prereg {

struct SeedRange {
  int64_t first = 0, last = 0;  // inclusive
  std::string what;             // the pilot that used them
};

/// baselines/prereg/pilot-seeds.yaml (a sequence of {first, last, what}); empty when absent.
std::vector<SeedRange> pilot_seeds(const std::filesystem::path& baselines_dir);

/// What a confirmatory run commits to.
struct Design {
  YAML::Node claims;  // claim expectations (golden checks excluded), keys sorted
  YAML::Node grid;    // methods, sizes, lrs, seeds, runs, config_sha256
  std::string hash;   // sha256 of the canonical text of claims + grid
};
Design design_of(const Study& study, const std::string& scale, const std::vector<RunSpec>& runs);

std::filesystem::path record_path(const std::filesystem::path& baselines_dir,
                                  const std::string& study, const std::string& scale);

/// Throws an Error naming `where` and key `grid.seeds` when a run's seed lies in a pilot range.
void check_pilot_overlap(const std::vector<RunSpec>& runs, const std::vector<SeedRange>& pilots,
                         const std::string& where);

/// Writes the record for `design` (refuses to replace an existing one unless `force`); checks
/// the grid against the pilot seeds first. Returns the record's path.
std::filesystem::path write_record(const std::filesystem::path& baselines_dir, const Study& study,
                                   const std::string& scale, const std::vector<RunSpec>& runs,
                                   const std::string& rerun_rule, const std::string& git_sha,
                                   const std::string& time, bool force);

struct Status {
  enum class State { none, matches, differs } state = State::none;
  std::string hash;  // the record's hash (empty for none)
  std::string rerun_rule;
  std::string detail;           // for differs: what changed, e.g. "claim 'x': metric 'a' -> 'b'"
  std::string summary() const;  // the results file's `prereg` attribute
};

/// Compares the study's current design at `scale` with its record (an exploratory run of a
/// pre-registered study may change it: the results file then says how).
Status status(const std::filesystem::path& baselines_dir, const Study& study,
              const std::string& scale, const std::vector<RunSpec>& runs);

/// Appends one attempt to the study's attempts file; returns its number (1 = the first).
/// Refuses a design that differs from its record or runs a pilot seed (naming `grid.seeds`);
/// a second or later attempt needs a non-empty `reason` (the record's rerun rule applied).
int log_attempt(const std::filesystem::path& baselines_dir, const Study& study,
                const std::string& scale, const std::vector<RunSpec>& runs, const Status& s,
                const std::string& git_sha, const std::string& time, const std::string& reason);

}  // namespace spikebench::prereg
