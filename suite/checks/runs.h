#pragma once
// Reading runs out of a results tree for checks: selection by attributes, metrics of one run
// ("DATASET:REDUCTION" or "@ATTR"), the rule for diverged runs, and pairing runs that differ
// only in the compared attributes (same seed, lr, size, data order: the paired design).
#include <string>
#include <utility>
#include <vector>

#include "suite/checks/check.h"
#include "suite/results/tree.h"

namespace spikebench::checks {

/// The attributes that identify a run of a study grid.
inline const std::vector<std::string>& identity_keys() {
  static const std::vector<std::string> k = {"method", "size", "lr", "seed"};
  return k;
}

/// Which runs a check reads: identity attribute -> the value the study writes ("method:
/// vanilla", "lr: 3e-3"; numbers compare as numbers). Empty: every run.
class Selector {
 public:
  Selector() = default;
  /// `text`: the selector as the study writes it (flow YAML), for reasons and errors.
  Selector(std::vector<std::pair<std::string, std::string>> keys, std::string text)
      : keys_(std::move(keys)), text_(std::move(text)) {}
  /// Key `key` of a check's spec (absent: every run); errors name the spec's file and key.
  static Selector read(const config::Reader& spec, const std::string& key);
  bool matches(const RunAttrs& attrs) const;
  bool fixes(const std::string& key) const;
  bool empty() const { return keys_.empty(); }
  const std::string& text() const { return text_; }

 private:
  std::vector<std::pair<std::string, std::string>> keys_;
  std::string text_;
};

/// Runs under /runs whose attributes match `select`, in name order.
std::vector<std::pair<std::string, const results::Group*>> select_runs(
    const results::Group& root, const Selector& select = Selector());

bool diverged(const results::Group& run);

/// The largest rise of a curve above its running minimum (issue 24's loss jump): max over rows
/// t of v[t] − min(v[0..t−1]) (NaN rows skipped), with the row where it peaks and the minimum
/// it rose from. Seen from the second row on, so jumps during warmup count — unlike the z-score
/// spike detector, which needs spike_min_window values first. 0 for a curve that never rises.
struct Jump {
  double rise = 0, floor = NAN;
  size_t row = 0;
};
Jump largest_jump(const std::vector<double>& v);

/// Rows after the largest jump's peak until the curve is back at or under floor + margin ×
/// rise (margin a fraction of the jump); 0 when nothing rose, +inf when it never comes back.
double recovery(const std::vector<double>& v, double margin);
/// The response of a per-update curve `v` (row t = update t) to an event at update K (an
/// injected spike, suite/engine/injections.h), against base = the median of the (up to) 8 finite
/// values before K:
///   rise_after_     max over rows K+1.. minus base (the loss of update K is the perturbed
///                   batch's own, so the jump is read from the next update on; +inf if a value
///                   is infinite);
///   ratio_after_    max over rows K..K+10 over base (the gradient response: update K's own
///                   gradient for a perturbed batch, K+1's for a perturbed lr);
///   recovery_after_ updates from K until, after the peak of rows K+1.., the curve is back within
///                   10 % of the rise above base (0 if nothing rose, +inf if never back).
/// NaN when K < 1 or the curve has no row after K. `kind` is one of those prefixes.
double after_event(const std::vector<double>& v, const std::string& kind, int64_t k);

/// A metric of one run: "DATASET:REDUCTION" (reductions: value, first, last, min, max, mean,
/// count, late_max [max over the last 90% of rows], max_from_K / max_before_K [max over rows
/// K.. / ..K-1: after / before update K of a per-update curve], first_over_last [layer 1 /
/// layer N at the first logged row], max_over_min, max_rise [the largest jump above the
/// running minimum], recovery_P [rows to come back within P % of that jump], step_of_min [the
/// value of the sibling dataset `step` at the curve's minimum: valid/loss -> valid/step],
/// rise_after_K / ratio_after_K / recovery_after_K [the response to an event at update K:
/// after_event]) or
/// "@ATTR" for a
/// run attribute. NaN when the data is missing (count: 0).
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
                             const Selector& lower_select, const Selector& higher_select,
                             const std::string& where);

std::string num(double x);

}  // namespace spikebench::checks
