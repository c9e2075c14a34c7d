#pragma once
// Paired-sample statistics for claim checks, LibTorch-free (unit-tested against scipy 1.17):
// the exact one-sided sign test (scipy.stats.binomtest), the Wilcoxon signed-rank test with
// scipy.stats.wilcoxon's defaults (zero_method "wilcox", no continuity correction, method
// "auto"), a deterministic percentile bootstrap of the mean, Holm–Bonferroni adjustment, and
// Wortsman et al.'s (2023, §2.2) learning-rate sensitivity.
//
// Convention: `d` holds paired differences; alternative `greater` tests "d is shifted above 0".
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace spikebench::stats {

enum class Alternative { greater, less };

struct TestResult {
  double statistic = 0;  // sign: pairs with d > 0; wilcoxon: R+ (sum of ranks of d > 0)
  double p_value = 1;    // one-sided, for the requested alternative
  int64_t n = 0;         // pairs used (zeros dropped)
  std::string method;    // "exact binomial", "exact", "permutation (exact)", "normal approximation"
};

/// Exact one-sided binomial sign test over the non-zero differences: P(X >= k) for
/// alternative greater, P(X <= k) for less, X ~ Bin(n, 1/2). Equals
/// scipy.stats.binomtest(k, n, 0.5, alternative).pvalue. On differences of a 0/1 outcome
/// (divergence) it is the exact McNemar test: the zeros are the concordant pairs. A NaN
/// difference (missing data) makes p NaN.
TestResult sign_test(const std::vector<double>& d, Alternative alternative);

/// Wilcoxon signed-rank test, as scipy.stats.wilcoxon(d, alternative=...) with its defaults:
/// zeros are dropped (zero_method "wilcox"); ranks of |d| are averaged over ties; then
///  - n <= 50, no ties and no zeros: the exact null distribution of R+;
///  - ties or zeros and len(d) <= 13: the exact permutation distribution (all 2^n sign flips);
///  - otherwise the normal approximation with the tie-corrected variance, no continuity
///    correction.
/// Infinite differences (a diverged run ranked worst) rank above every finite one. A NaN
/// difference makes p NaN (scipy's nan_policy "propagate"); callers drop missing pairs first.
TestResult wilcoxon(const std::vector<double>& d, Alternative alternative);

struct Bootstrap {
  double mean = 0;        // mean of d
  double lo = 0, hi = 0;  // percentile confidence interval of the mean
  double p_greater = 1;   // (1 + #{resampled mean <= 0}) / (B + 1)
  double p_less = 1;      // (1 + #{resampled mean >= 0}) / (B + 1)
  int64_t resamples = 0;
};

/// Percentile bootstrap of the mean of `d`: `resamples` resamples with replacement drawn by a
/// mt19937_64 seeded with `seed` (indices by 128-bit multiply-shift, so the result is the same
/// on every platform); the interval holds `confidence` of the resampled means (numpy's linear
/// quantiles). Finite values only.
Bootstrap bootstrap_mean(const std::vector<double>& d, double confidence = 0.95,
                         int64_t resamples = 10000, uint64_t seed = 20240123);

/// Two one-sided tests (TOST; Schuirmann 1987) that the location of paired differences `d` lies
/// inside (−margin, +margin), with the one-sided `test` ("wilcoxon" | "sign") on shifted
/// differences, each as scipy on the shifted array:
///   p_lower = test(d + margin, greater)   rejects "shift <= −margin"
///   p_upper = test(d − margin, less)      rejects "shift >= +margin"
///   p_equivalent = max(p_lower, p_upper)  (intersection-union: no multiplicity correction)
/// and the reverse, "the shift lies outside the margin":
///   p_below = test(d + margin, less), p_above = test(d − margin, greater),
///   p_outside = min(1, 2 · min(p_below, p_above))  (Bonferroni over the two directions).
/// A NaN difference makes the p-values NaN. Throws on a margin that is not positive and finite.
struct Tost {
  double p_lower = NAN, p_upper = NAN, p_equivalent = NAN;
  double p_below = NAN, p_above = NAN, p_outside = NAN;
  int64_t n_lower = 0, n_upper = 0;  // non-zero shifted differences each side's test used
  std::string method;
};
Tost tost(const std::vector<double>& d, double margin, const std::string& test);

/// Holm–Bonferroni adjusted p-values (Holm 1979), in the input order: with p sorted ascending,
/// adj(i) = max over j <= i of min(1, (m - j) · p(j)) (0-based j). NaN entries stay NaN and do
/// not count in m.
std::vector<double> holm(const std::vector<double>& p);

/// The median of `v` (the mean of the two middle values for an even count); NaN when empty.
double median(std::vector<double> v);

/// Standard normal upper tail P(Z > z), and its inverse: the z with P(Z > z) = p, p in (0, 1).
double normal_sf(double z);
double normal_isf(double p);

/// Hodges–Lehmann estimate of the location of paired differences (Hodges & Lehmann 1963): the
/// median of the n(n+1)/2 Walsh averages (d_i + d_j)/2, i <= j, with the exact
/// distribution-free interval that inverts the Wilcoxon signed-rank test (Hollander & Wolfe,
/// §3.3; R's wilcox.test(conf.int = TRUE) without ties): [W_(k), W_(M+1-k)] over the sorted
/// Walsh averages, k the largest integer with P(R+ <= k-1) <= (1 - confidence)/2 under the
/// null. With too few pairs for any such k the interval is (-inf, inf). Zeros count (the
/// interval is of the location, not a test); NaN entries are dropped; ±inf ranks at the ends.
struct HodgesLehmann {
  double estimate = NAN, lo = NAN, hi = NAN;
  double coverage = NAN;  // the interval's exact coverage 1 - 2 P(R+ <= k-1) (>= confidence)
  int64_t n = 0;
};
HodgesLehmann hodges_lehmann(const std::vector<double>& d, double confidence = 0.95);

/// The smallest one-sided p-value `test` ("sign" | "mcnemar" | "wilcoxon" | "bootstrap") can
/// return with n pairs (every difference on the claimed side): sign 2^-n; wilcoxon 2^-n while
/// scipy's exact or permutation method applies (n <= 50 untied, <= 13 with ties), else the
/// normal approximation's P(Z > sqrt(3n(n+1)/(2n+1))); bootstrap 1/(resamples + 1). 1 at n = 0.
double min_attainable_p(const std::string& test, int64_t n, int64_t resamples = 10000);

/// Minimum detectable effect (two-sample-free, paired): the mean difference a one-sided test at
/// level `alpha` detects with probability `power` when the differences have standard deviation
/// `sd` — (z_{1-alpha} + z_{power}) · sd / sqrt(n · ARE), with the asymptotic relative
/// efficiency against the t-test under normality: wilcoxon 3/π, sign/mcnemar 2/π, bootstrap 1
/// (Lehmann, Nonparametrics, 1975, §5). Infinite when n < 2 or sd is not finite.
double minimum_detectable_effect(const std::string& test, double sd, int64_t n, double alpha,
                                 double power = 0.8);

/// Pairs needed for `power` at one-sided level `alpha` against a true mean difference `effect`
/// with spread `sd` (the inverse of minimum_detectable_effect, rounded up), and at least the n
/// whose min_attainable_p(test, n) <= alpha. 0 when effect <= 0 or not finite.
int64_t pairs_needed(const std::string& test, double effect, double sd, double alpha,
                     double power = 0.8);

/// Learning-rate sensitivity of one method and seed (Wortsman et al. 2023, §2.2):
///   mean over lr of [ min(loss(lr), loss_init) − min over lr of min(loss(lr), loss_init) ],
/// where a diverged run (diverged[i]) counts as loss_init. Lower is better: 0 means every
/// learning rate reached the best loss. NaN when a run that did not diverge has a non-finite
/// loss (missing data: the check excludes the seed rather than scoring it as a failure).
double lr_sensitivity(const std::vector<double>& loss, const std::vector<bool>& diverged,
                      double loss_init);

}  // namespace spikebench::stats
