#pragma once
// The two sides of a paired claim (`compare`, `equivalent`): two selectors over the runs of a
// results tree (or over their lr sweeps, for the per-seed metrics lr_sensitivity and
// critical_lr), a metric, an optional 0/1 outcome (`above`), and the rule for a diverged run.
// Runs pair when they agree on every identity key neither selector fixes (runs.h: make_pairs),
// so each pair shares seed, lr, size, data order and init. With `control` (a selector per side),
// each run's value is its metric minus that of its control run — the same seed's run without
// the treatment, paired the same way — so the claim compares what the treatment did to each
// side (a difference in differences: an injected spike's lasting cost, `stress`).
#include <string>
#include <utility>
#include <vector>

#include "suite/checks/check.h"
#include "suite/checks/runs.h"
#include "suite/results/tree.h"

namespace spikebench::checks {

/// What a diverged run's value becomes: +inf (ranks worst), -inf, or the pair is left out.
enum class DivergedRule { high, low, exclude };

/// YAML key docs of the shared keys, for Check::require_keys (the selector keys are the
/// check's own).
extern const char* const kPairedSideKeys;

class PairedSides {
 public:
  /// Reads the selectors `first_key` and `second_key`, `metric`, `above` and `diverged`
  /// (default `default_rule`) from `spec`; errors name `where` and the key.
  PairedSides(const config::Reader& spec, const std::string& where, const char* first_key,
              const char* second_key, const std::string& default_rule);

  /// The paired values, first side then second, with the diverged rule applied (±inf), and
  /// what was left out.
  struct Values {
    std::vector<std::pair<double, double>> xy;
    int64_t pairs = 0;     // pairs the selectors found
    int64_t excluded = 0;  // left out: a diverged run under `exclude`, or missing data
    int64_t diverged = 0;  // diverged runs among all pairs
  };
  Values collect(const results::Group& root) const;
  /// Throws (naming the selector keys) when the planned runs give no pairs.
  void validate_plan(const std::vector<RunAttrs>& planned) const;

  /// "METRIC[ > X or diverged (0/1)], paired: FIRST vs SECOND".
  std::string describe() const;
  const Selector& first() const { return first_; }
  const Selector& second() const { return second_; }
  const std::string& metric() const { return metric_; }
  DivergedRule rule() const { return rule_; }
  bool zero_one() const { return metric_ == "diverged" || !std::isnan(above_); }

 private:
  void add(Unit u, std::vector<Unit>& a, std::vector<Unit>& b) const;
  bool is_sweep() const;
  /// Each unit's value minus its control's (NaN when the control is missing or diverged).
  void subtract_controls(std::vector<Unit>& side, const Selector& select, const Selector& control,
                         const std::vector<Unit>& all) const;

  std::string where_, first_key_, second_key_;
  Selector first_, second_;
  bool has_control_ = false;
  Selector control_first_, control_second_;
  std::string metric_;
  double above_ = NAN;  // a 0/1 outcome: metric > above_ (or diverged); NaN: the metric itself
  DivergedRule rule_ = DivergedRule::high;
};

/// FNV-1a over a test name, the diverged rule and the differences' bits: equal for two claims
/// that test the same paired data the same way (one claim with several citations).
std::string evidence_id(const std::string& test, int rule, const std::vector<double>& d);

/// Reads a paired claim's `alpha` (in (0, 1)) and `family` (true: the artifact's, "";
/// false: none; a name) into the given fields, which keep their defaults when absent.
void parse_family(const config::Reader& spec, const std::string& where, double& alpha,
                  bool& in_family, std::string& family);

/// The effect beside a test: mean of the finite differences with its 95 % bootstrap interval,
/// their standard deviation, and the Hodges–Lehmann shift of `d` with its exact interval.
void describe_effect(const std::vector<double>& d, const std::vector<double>& finite, Paired& p);

/// Sample standard deviation (n − 1); NaN under two values.
double sample_sd(const std::vector<double>& v);

}  // namespace spikebench::checks
