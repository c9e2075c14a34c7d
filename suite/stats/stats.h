#pragma once
// Paired-sample statistics for claim checks, LibTorch-free (unit-tested against scipy 1.17):
// the exact one-sided sign test (scipy.stats.binomtest), the Wilcoxon signed-rank test with
// scipy.stats.wilcoxon's defaults (zero_method "wilcox", no continuity correction, method
// "auto"), a deterministic percentile bootstrap of the mean, Holm–Bonferroni adjustment, and
// Wortsman et al.'s (2023, §2.2) learning-rate sensitivity.
//
// Convention: `d` holds paired differences; alternative `greater` tests "d is shifted above 0".
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
/// scipy.stats.binomtest(k, n, 0.5, alternative).pvalue.
TestResult sign_test(const std::vector<double>& d, Alternative alternative);

/// Wilcoxon signed-rank test, as scipy.stats.wilcoxon(d, alternative=...) with its defaults:
/// zeros are dropped (zero_method "wilcox"); ranks of |d| are averaged over ties; then
///  - n <= 50, no ties and no zeros: the exact null distribution of R+;
///  - ties or zeros and len(d) <= 13: the exact permutation distribution (all 2^n sign flips);
///  - otherwise the normal approximation with the tie-corrected variance, no continuity
///    correction.
/// Infinite differences (a diverged run ranked worst) rank above every finite one.
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

/// Holm–Bonferroni adjusted p-values (Holm 1979), in the input order: with p sorted ascending,
/// adj(i) = max over j <= i of min(1, (m - j) · p(j)) (0-based j). NaN entries stay NaN and do
/// not count in m.
std::vector<double> holm(const std::vector<double>& p);

/// Standard normal upper tail P(Z > z).
double normal_sf(double z);

/// Learning-rate sensitivity of one method and seed (Wortsman et al. 2023, §2.2):
///   mean over lr of [ min(loss(lr), loss_init) − min over lr of min(loss(lr), loss_init) ],
/// where a diverged run (diverged[i]) or a non-finite loss counts as loss_init. Lower is better:
/// 0 means every learning rate reached the best loss.
double lr_sensitivity(const std::vector<double>& loss, const std::vector<bool>& diverged,
                      double loss_init);

}  // namespace spikebench::stats
