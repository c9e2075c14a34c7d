#pragma once
// One check kind = one small file + one SPIKEBENCH_CHECK line (the registry shape of
// core/registry.h). A study's expectation is parsed into a Check when the study is loaded, so
// an unknown kind, key or test is an error naming the YAML file and key before anything runs;
// `validate_plan` then checks it against the planned runs (a `compare` whose sides select no
// pairs fails there); `evaluate` reads only the results tree, so `spikebench check` recomputes
// every verdict from the file alone.
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/registry.h"
#include "suite/config/golden_file.h"
#include "suite/config/reader.h"
#include "suite/results/tree.h"

namespace spikebench::checks {

/// pass / fail / inconclusive (the data cannot decide) / skip (nothing to check). Stored as
/// the string attr `verdict`.
enum class Verdict { pass, fail, inconclusive, skip };
std::string to_string(Verdict v);
Verdict parse_verdict(const std::string& s);

/// The evidence of a paired comparison (`compare`): what the verdict rests on.
struct Paired {
  std::string test;     // sign | wilcoxon | bootstrap
  std::string method;   // how the p-value was computed (exact, permutation, normal, ...)
  int64_t n_pairs = 0;  // pairs the test used (zero differences included)
  int64_t wins = 0, losses = 0, ties = 0;  // higher > lower, higher < lower, equal
  int64_t excluded = 0;     // pairs left out (diverged with `diverged: exclude`, missing data)
  int64_t diverged = 0;     // runs among the pairs that diverged
  double p_value = NAN;     // one-sided: "lower is lower" (the claim)
  double p_opposite = NAN;  // one-sided: "lower is higher" (the claim's reverse)
  double p_adjusted = NAN, p_opposite_adjusted = NAN;  // Holm over the claims and reverses
  int64_t family_size = 0;  // claims in the Holm family (2 × this one-sided hypotheses)
  double effect = NAN, effect_lo = NAN, effect_hi = NAN;  // mean(higher − lower), 95 % CI
  int64_t effect_n = 0;                                   // finite differences behind the effect
  double effect_sd = NAN;  // standard deviation of the finite differences (power, MDE)
  double hl = NAN, hl_lo = NAN, hl_hi = NAN;  // Hodges–Lehmann shift, exact 95 % interval
  double min_attainable_p = NAN;              // smallest one-sided p the test can give n_pairs
  double min_attainable_p_adjusted = NAN;     // ... after Holm (× 2 family size, at most 1)
  double mde = NAN;  // minimum detectable mean difference, 80 % power at alpha / (2 family size)
  std::string evidence;  // hash of test, rule and differences: same data => same id
  std::string direction = "higher > lower";  // what a positive difference means, in the reason
  // An equivalence claim (`equivalent`): p_value is the TOST p, p_opposite the p of "outside
  // the margin" (stats.h: tost); margin NaN for an ordering claim.
  double margin = NAN;          // in the differences' units (for a ratio margin: log r)
  std::string margin_scale;     // "absolute" or "ratio" (differences of logs)
  double ratio_margin = NAN;    // r of a ratio margin
  double p_tost_lower = NAN, p_tost_upper = NAN;  // rejects shift <= -margin / >= +margin
  double p_below = NAN, p_above = NAN;            // shift < -margin / > +margin
  int64_t inside = 0;                             // pairs with |d| < margin
  double alpha = 0.05;
  bool in_family = true;
  std::string family;  // the Holm family's name ("" = the artifact's claims)
};

struct Result {
  Verdict verdict = Verdict::skip;
  std::string reason, expected, actual, tolerance, statistic;
  std::optional<Paired> paired;
};

struct Options {
  std::filesystem::path baselines_dir;  // holds paper.yaml and <scale>/<artifact>.yaml
  bool update_golden = false;           // rewrite the golden file from these results
  bool update_verdicts = false;         // rewrite only the golden file's claim verdicts (values and
                                 // machine record kept): a deliberate change of the statistics
  bool machine_golden = false;  // read and write the results' machine file even where it is
                                // absent (<artifact>.<cpu_vendor>.<cpu_isa>.yaml, golden_file)
};

/// Identity of a planned run (method, size, lr, seed), as the attributes its group will carry.
using RunAttrs = std::map<std::string, results::Attr>;

/// What every check sees while evaluating.
struct Context {
  const results::Group& root;
  const Options& options;
  std::filesystem::path golden_path;
  const config::GoldenFile golden;  // the golden file (present = false when absent)
  config::GoldenValues new_golden;  // values a golden check writes for --update-golden
};

class Check {
 public:
  Check(const config::Reader& spec, std::string where);
  virtual ~Check() = default;
  const std::string& name() const { return name_; }
  const std::string& kind() const { return kind_; }
  const std::string& why() const { return why_; }
  const std::string& where() const { return where_; }
  /// The paper's words the check tests, verbatim (empty for a check the paper does not state,
  /// e.g. a golden regression value).
  const std::vector<std::string>& quote() const { return quote_; }
  /// Non-empty when the check tests more than the quoted words state (the suite's extension: a
  /// comparison, metric or scale the paper does not state), saying how.
  const std::string& extends() const { return extends_; }
  /// Throws an Error (naming the key) when the planned runs cannot feed this check.
  virtual void validate_plan(const std::vector<RunAttrs>& planned) const { (void)planned; }
  virtual Result evaluate(Context& ctx) const = 0;
  /// Claims are regression-gated by golden_verdicts; golden value checks are not claims.
  virtual bool is_claim() const { return true; }

 protected:
  /// Rejects keys outside `allowed` (a YAML map of key: doc) plus name/kind/why/quote/extends.
  void require_keys(const config::Reader& spec, const std::string& allowed) const;
  std::string name_, kind_, why_, where_;
  std::vector<std::string> quote_;
  std::string extends_;
};

struct CheckKind {
  static constexpr const char* kKind = "check kind";
  std::string summary;
  std::function<std::unique_ptr<Check>(const config::Reader&, const std::string&)> make;
};

/// Sets a paired check's verdict and reason from its (Holm-adjusted) p-values: pass when the
/// claim's p <= alpha (one-sided, or TOST for an equivalence), fail when the reverse's is,
/// inconclusive otherwise.
void decide(Result& r);

/// A scale's expectations, parsed once (Study::checks): shared, immutable.
using CheckList = std::vector<std::shared_ptr<const Check>>;

/// Parses a scale's expectations (each read by the study's reader, naming its file, scale and
/// index) into the immutable list a Study keeps.
CheckList parse(const std::vector<config::Reader>& expectations);

}  // namespace spikebench::checks

/// Registers check kind `name` implemented by class `Type` (constructor (spec, where)).
#define SPIKEBENCH_CHECK(name, summary, Type)                                        \
  SPIKEBENCH_REGISTER(                                                               \
      ::spikebench::checks::CheckKind, name, summary,                                \
      [](const ::spikebench::config::Reader& spec,                                   \
         const std::string& where) -> std::unique_ptr<::spikebench::checks::Check> { \
        return std::make_unique<Type>(spec, where);                                  \
      })
