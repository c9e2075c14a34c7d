#pragma once
// Reading runs out of a results tree for checks: selection by attributes, metrics of one run
// ("DATASET:REDUCTION" or "@ATTR"), the rule for diverged runs, and pairing runs that differ
// only in the compared attributes (same seed, lr, size, data order: the paired design).
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "suite/checks/check.h"
#include "suite/results/tree.h"

namespace spikebench::checks {

/// The attributes that identify a run of a study grid.
inline const std::vector<std::string>& identity_keys() {
  static const std::vector<std::string> k = {"method", "size", "lr", "seed"};
  return k;
}

/// Whether `attrs` match every key of `select` (a YAML map; numbers compare as numbers).
bool matches(const RunAttrs& attrs, const YAML::Node& select);

/// Runs under /runs whose attributes match `select`, in name order.
std::vector<std::pair<std::string, const results::Group*>> select_runs(const results::Group& root,
                                                                       const YAML::Node& select);

bool diverged(const results::Group& run);

/// A metric of one run: "DATASET:REDUCTION" (reductions: value, first, last, min, max, mean,
/// count, late_max [max over the last 90% of rows], max_from_K / max_before_K [max over rows
/// K.. / ..K-1: after / before update K of a per-update curve], first_over_last [layer 1 /
/// layer N at the first logged row], max_over_min) or "@ATTR" for a run attribute. NaN when the
/// data is missing (count: 0).
double metric(const results::Group& run, const std::string& spec);
/// Throws when `spec` is not a well-formed metric (unknown reduction).
void validate_metric(const std::string& spec, const std::string& where);

/// One side's value in a pairing, keyed by the identity attributes the sides do not fix.
struct Unit {
  std::string name;  // the run (or "method/seed" for derived units)
  RunAttrs attrs;
  double value = NAN;
  bool diverged = false;
};

struct Pair {
  const Unit* lower;
  const Unit* higher;
};

/// Pairs lower-side and higher-side units that agree on every identity key that neither
/// selector names. Throws when one side has two units for one key (an ambiguous pairing).
std::vector<Pair> make_pairs(const std::vector<Unit>& lower, const std::vector<Unit>& higher,
                             const YAML::Node& lower_select, const YAML::Node& higher_select,
                             const std::string& where);

std::string num(double x);

}  // namespace spikebench::checks
