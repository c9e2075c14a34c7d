// Paired statistics against scipy 1.17.1: the literals below are what
// tests/stats/scipy_reference.py prints (command in its docstring); bootstrap determinism,
// Holm's adjustment and LR sensitivity against hand-computed values.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <vector>

#include "stats/stats.h"

using namespace spikebench::stats;
namespace {
constexpr double INF = HUGE_VAL;

struct Case {
  const char* name;
  std::vector<double> d;
  bool greater;
  double p;
  double statistic = NAN;
};

// clang-format off
const std::vector<Case> kSign = {
  {"12 of 12 positive", {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, true, 0.000244140625},
  {"11 of 12 positive", {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, -0.2}, true, 0.003173828125},
  {"zeros dropped", {1.0, 2.0, 0.0, 3.0, -1.0, 0.0, 4.0, 5.0}, true, 0.109375},
  {"less", {-1.0, -2.0, -3.0, 0.5, -4.0, -5.0, -6.0, -0.1, 2.0}, false, 0.08984375},
  {"30 pairs, 20 positive", {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0}, true, 0.049368573352694525},
  {"all negative, greater", {-1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0}, true, 1.0},
};
const std::vector<Case> kWilcoxon = {
  {"exact, no ties", {0.5, 1.2, -0.3, 2.2, 0.9, 1.7, -0.8, 3.1, 0.1, 1.4}, true, 0.013671875, 49.0},
  {"exact, less", {-0.5, -1.2, 0.3, -2.2, -0.9, -1.7, 0.8, -3.1, -0.1, -1.45}, false, 0.013671875, 6.0},
  {"exact, n 25", {-1.0, 2.01, 3.02, 4.03, -4.96, 6.05, 7.06, 8.07, -8.92, 10.09, 11.1, 12.11, -12.88, 14.13, 15.14, 16.15, -16.84, 18.17, 19.18, 20.19, -20.8, 22.21, 23.22, 24.23, -24.76}, true, 0.027535229921340942, 234.0},
  {"ties, permutation", {1.0, 1.0, 2.0, -1.0, 3.0, 3.0, 0.5, 2.0}, true, 0.01953125, 33.0},
  {"zeros, permutation", {0.0, 1.5, -0.5, 2.5, 0.0, 3.5, 1.0, -2.0, 4.0}, true, 0.078125, 23.0},
  {"ties, n 20, normal", {1.0, 2.0, 2.0, -1.0, 3.0, 3.0, 3.0, -2.0, 4.0, 5.0, 1.0, 6.0, -3.0, 7.0, 2.0, 8.0, 9.0, -1.0, 4.0, 10.0}, true, 0.0009449405758529944, 188.0},
  {"n 60, normal", {0.3, 1.1414709848078965, 1.2092974268256818, 0.4411200080598672, -0.4568024953079282, -0.6589242746631385, 0.02058450180107413, 0.9569865987187891, 1.2893582466233817, 0.7121184852417566, -0.24402111088936979, -0.6999902065507035, -0.23657291800043495, 0.7201670368266408, 1.2906073556948703, 0.9502878401571169, 0.012096683334934688, -0.6613974918795569, -0.45098724677167606, 0.4498772096629523, 1.2129452507276277, 1.136655638536056, 0.2911486907095961, -0.5462204041751706, -0.605578362006624, 0.16764824990222696, 1.0625584504796026, 1.256375928404503, 0.570905788307869, -0.36363388421296755, -0.6880316240928619, -0.10403764532306503, 0.8514266812416906, 1.2999118601072672, 0.8290826861200238, -0.12818266949615104, -0.6917788534431157, -0.3435381333569995, 0.5963685787093853, 1.2637953862840878, 1.0451131604793489, 0.141377331195291, -0.6165215479156338, -0.5317747426285984, 0.31770192510541356, 1.1509035245341184, 1.2017883476488092, 0.42357312274522396, -0.46825466132366683, -0.6537526527594719, 0.03762514629607122, 0.9702291758433748, 1.2866275920404853, 0.6959251501818342, -0.2587890488516163, -0.6997551733586198, -0.22155100208691186, 0.736164755247825, 1.2928726480845372, 0.9367380071391378}, true, 0.0005130426974389431, 1361.0},
  {"inf ranks worst", {INF, INF, 0.4, -0.2, 1.1, 0.7, -0.05, 2.0}, true, 0.01953125, 33.0},
};
// clang-format on

struct TostCase {
  const char* name;
  std::vector<double> d;
  double margin;
  const char* test;
  double p_lower, p_upper, p_below, p_above;
};
// clang-format off
const std::vector<TostCase> kTost = {
  {"wilcoxon, all inside", {0.01, -0.02, 0.03, -0.005, 0.012, -0.018, 0.007, 0.021, -0.011, 0.004}, 0.05, "wilcoxon", 0.0009765625, 0.0009765625, 1.0, 1.0},
  {"wilcoxon, shifted up", {0.31, 0.28, 0.35, 0.22, 0.4, 0.29, 0.33, 0.26}, 0.1, "wilcoxon", 0.00390625, 1.0, 1.0, 0.00390625},
  {"wilcoxon, one diverged", {0.01, -0.02, INF, 0.015, -0.01, 0.002, -0.007, 0.011}, 0.05, "wilcoxon", 0.00390625, 0.09765625, 1.0, 0.92578125},
  {"wilcoxon, n 3", {0.001, -0.002, 0.0005}, 0.01, "wilcoxon", 0.125, 0.125, 1.0, 1.0},
  {"wilcoxon, straddles", {0.04, -0.06, 0.02, -0.03, 0.05, 0.01, -0.045, 0.035, -0.01, 0.07, -0.02, 0.03}, 0.05, "wilcoxon", 0.000732421875, 0.0029296875, 0.99951171875, 0.998046875},
  {"sign, 9 of 10 inside", {0.01, -0.02, 0.03, -0.005, 0.2, -0.018, 0.007, 0.021, -0.011, 0.004}, 0.05, "sign", 0.0009765625, 0.0107421875, 1.0, 0.9990234375},
};
// clang-format on

Alternative alt(const Case& c) { return c.greater ? Alternative::greater : Alternative::less; }

}  // namespace

TEST_CASE("sign test equals scipy.stats.binomtest", "[stats]") {
  for (const auto& c : kSign) {
    INFO(c.name);
    CHECK(std::abs(sign_test(c.d, alt(c)).p_value - c.p) <= 1e-12);
  }
}

TEST_CASE("Wilcoxon signed-rank equals scipy.stats.wilcoxon", "[stats]") {
  for (const auto& c : kWilcoxon) {
    INFO(c.name);
    const auto r = wilcoxon(c.d, alt(c));
    INFO(r.method);
    CHECK(std::abs(r.p_value - c.p) <= 1e-12);
    CHECK(r.statistic == Approx(c.statistic));
  }
}

TEST_CASE("Wilcoxon picks scipy's method: exact, permutation, normal", "[stats]") {
  CHECK(wilcoxon(kWilcoxon[0].d, Alternative::greater).method == "exact");
  CHECK(wilcoxon(kWilcoxon[3].d, Alternative::greater).method == "permutation (exact)");
  CHECK(wilcoxon(kWilcoxon[5].d, Alternative::greater).method == "normal approximation");
  CHECK(wilcoxon({0.0, 0.0}, Alternative::greater).p_value == 1.0);
}

TEST_CASE("bootstrap of the mean is deterministic and brackets the mean", "[stats]") {
  const std::vector<double> d = {0.3, -0.1, 0.5, 0.2, 0.8, 0.1, -0.2, 0.4, 0.6, 0.05};
  const auto a = bootstrap_mean(d), b = bootstrap_mean(d);
  CHECK(a.lo == b.lo);
  CHECK(a.hi == b.hi);
  CHECK(a.p_greater == b.p_greater);
  CHECK(a.mean == Approx(0.265));
  CHECK(a.lo < a.mean);
  CHECK(a.mean < a.hi);
  CHECK(a.lo > 0.0);  // every value but two is positive: the mean's CI excludes 0
  CHECK(a.p_greater < 0.01);
  CHECK(a.p_less > 0.99);
  const auto other_seed = bootstrap_mean(d, 0.95, 10000, 7);
  CHECK(other_seed.lo != a.lo);  // the seed is what fixes it
  CHECK(std::abs(other_seed.lo - a.lo) < 0.02);
}

TEST_CASE("Holm-Bonferroni adjusted p-values", "[stats]") {
  // Hand-computed: sorted 0.01, 0.02, 0.03, 0.04 (m = 4) -> 0.04, 0.06, 0.06 (max), 0.06.
  const auto adj = holm({0.03, 0.01, 0.04, 0.02});
  CHECK(adj[1] == Approx(0.04));
  CHECK(adj[3] == Approx(0.06));
  CHECK(adj[0] == Approx(0.06));
  CHECK(adj[2] == Approx(0.06));
  const auto with_nan = holm({0.5, NAN, 0.6});
  CHECK(with_nan[0] == Approx(1.0));  // m = 2: min(1, 2 * 0.5)
  CHECK(std::isnan(with_nan[1]));
}

TEST_CASE("LR sensitivity on a hand-made table with one diverged run", "[stats]") {
  // lrs (say 1e-3, 3e-3, 1e-2, 3e-2): losses 3.0, 2.5, 2.8, diverged; loss_init 5.5.
  // Clipped: 3.0, 2.5, 2.8, 5.5; best 2.5; terms 0.5, 0, 0.3, 3.0; mean 3.8 / 4 = 0.95.
  CHECK(lr_sensitivity({3.0, 2.5, 2.8, 1.0}, {false, false, false, true}, 5.5) == Approx(0.95));
  // A loss above loss_init counts as loss_init (min(loss, loss_init)).
  CHECK(lr_sensitivity({6.0, 2.0}, {false, false}, 5.0) == Approx(1.5));
  CHECK(lr_sensitivity({2.0, 2.0}, {false, false}, 5.0) == 0.0);
}

TEST_CASE("a NaN difference is missing data, not a tie: p is NaN (scipy: nan_policy propagate)",
          "[stats]") {
  // Before: the Wilcoxon dropped NaN with the zeros (p 0.125 here), the sign test ignored it.
  const std::vector<double> d = {1.0, 2.0, NAN, 3.0};
  CHECK(std::isnan(wilcoxon(d, Alternative::greater).p_value));
  CHECK(std::isnan(sign_test(d, Alternative::greater).p_value));
  CHECK(wilcoxon({1.0, 2.0, 3.0}, Alternative::greater).p_value == Approx(0.125));
}

TEST_CASE("LR sensitivity: a missing loss of a run that did not diverge is NaN, not loss_init",
          "[stats]") {
  // Before: the NaN counted as loss_init (5.5): terms 0, 3.0 -> 1.5, a failure that never was.
  CHECK(std::isnan(lr_sensitivity({2.5, NAN}, {false, false}, 5.5)));
  CHECK(lr_sensitivity({2.5, NAN}, {false, true}, 5.5) == Approx(1.5));  // diverged: loss_init
}

TEST_CASE("Hodges-Lehmann shift and its exact interval, by hand", "[stats]") {
  // n = 3: Walsh averages of {1, 2, 4}: 1, 1.5, 2, 2.5, 3, 4 -> median (2 + 2.5) / 2 = 2.25.
  // P(R+ <= 0) = 1/8 > 0.025: no exact 95 % interval exists with 3 pairs.
  auto h = hodges_lehmann({4.0, 1.0, 2.0});
  CHECK(h.estimate == Approx(2.25));
  CHECK(h.lo == -INF);
  CHECK(h.hi == INF);
  // n = 8: P(R+ <= 3) = 5/256 = 0.0195 <= 0.025 < P(R+ <= 4) = 7/256, so k = 4: the 4th
  // smallest and the 4th largest of the 36 Walsh averages; coverage 1 - 10/256 = 0.9609
  // (the tabled critical value T = 3 for n = 8, two-sided 0.05).
  const std::vector<double> d = {1, 2, 3, 4, 5, 6, 7, 8};
  // Walsh averages of 1..8: sorted 1, 1.5, 2, 2, 2.5, 2.5, 3, 3, 3, ... ; 4th smallest 2, 4th
  // largest 7; the median of the 36 averages is 4.5.
  h = hodges_lehmann(d);
  CHECK(h.estimate == Approx(4.5));
  CHECK(h.lo == Approx(2.0));
  CHECK(h.hi == Approx(7.0));
  CHECK(h.coverage == Approx(1 - 10.0 / 256));
  // An infinite difference (a diverged run ranked worst) moves the ends, not the estimate much.
  h = hodges_lehmann({1, 2, 3, 4, 5, 6, 7, INF});
  CHECK(std::isfinite(h.estimate));
  CHECK(h.hi == INF);  // the 4th largest Walsh average involves the infinite one
}

TEST_CASE("power: the smallest attainable p, the minimum detectable effect, pairs needed",
          "[stats]") {
  CHECK(min_attainable_p("sign", 8) == Approx(1.0 / 256));
  CHECK(min_attainable_p("wilcoxon", 6) == Approx(1.0 / 64));
  CHECK(min_attainable_p("mcnemar", 0) == 1.0);
  CHECK(min_attainable_p("bootstrap", 10) == Approx(1.0 / 10001));
  // n 60 > 50: scipy's normal approximation; z = sqrt(3*60*61/121) = 9.526.
  CHECK(min_attainable_p("wilcoxon", 60) == Approx(normal_sf(std::sqrt(3.0 * 60 * 61 / 121))));
  CHECK(normal_isf(0.05) == Approx(1.6448536269514729).epsilon(1e-12));  // scipy norm.isf
  CHECK(normal_isf(0.2) == Approx(0.8416212335729143).epsilon(1e-12));
  // MDE, bootstrap (ARE 1): (z_.95 + z_.8) * sd / sqrt(n) = 2.4864748605 * 1 / sqrt(16).
  CHECK(minimum_detectable_effect("bootstrap", 1.0, 16, 0.05) == Approx(2.4864748605 / 4));
  // Wilcoxon (ARE 3/pi): the same over sqrt(16 * 3/pi).
  CHECK(minimum_detectable_effect("wilcoxon", 1.0, 16, 0.05) ==
        Approx(2.4864748605 / std::sqrt(16 * 3 / 3.14159265358979)));
  // 4 pairs cannot reach 0.05 / 4 (min p 1/16): no effect is detectable.
  CHECK(minimum_detectable_effect("wilcoxon", 1.0, 4, 0.0125) == INF);
  // Pairs needed: z^2 sd^2 / (effect^2 ARE) = 6.1825 / (0.25 * 0.9549) = 25.9 -> 26.
  CHECK(pairs_needed("wilcoxon", 0.5, 1.0, 0.05) == 26);
  // A huge effect still needs the pairs whose smallest p reaches alpha: 2^-n <= 0.0125 -> 7.
  CHECK(pairs_needed("sign", 100.0, 1.0, 0.0125) == 7);
  CHECK(pairs_needed("sign", 0.0, 1.0, 0.05) == 0);
}

TEST_CASE("TOST: each one-sided p equals scipy on the shifted differences", "[stats]") {
  for (const auto& c : kTost) {
    INFO(c.name);
    const auto t = tost(c.d, c.margin, c.test);
    CHECK(std::abs(t.p_lower - c.p_lower) <= 1e-12);
    CHECK(std::abs(t.p_upper - c.p_upper) <= 1e-12);
    CHECK(std::abs(t.p_below - c.p_below) <= 1e-12);
    CHECK(std::abs(t.p_above - c.p_above) <= 1e-12);
    CHECK(t.p_equivalent == std::max(c.p_lower, c.p_upper));
    CHECK(t.p_outside == std::min(1.0, 2 * std::min(c.p_below, c.p_above)));
  }
}

TEST_CASE("TOST by hand: n pairs all inside the margin give p = 2^-n each side", "[stats]") {
  // Every d + margin > 0 and every d - margin < 0: R+ is maximal on one side and 0 on the other,
  // the exact null probability of each is 2^-n.
  const auto t = tost({0.1, -0.2, 0.3, -0.15, 0.05}, 0.5, "wilcoxon");
  CHECK(t.p_lower == 1.0 / 32);
  CHECK(t.p_upper == 1.0 / 32);
  CHECK(t.p_equivalent == 1.0 / 32);
  CHECK(t.p_outside == 1.0);
  CHECK(t.method == "exact");
  // Shifted wholly above the margin: equivalence is rejected, "above" holds.
  const auto above = tost({1.1, 1.2, 1.3, 1.15, 1.05}, 0.5, "sign");
  CHECK(above.p_equivalent == 1.0);
  CHECK(above.p_above == 1.0 / 32);
  CHECK(above.p_outside == 2.0 / 32);
  CHECK(std::isnan(tost({0.1, NAN, 0.2}, 0.5, "wilcoxon").p_equivalent));
  CHECK_THROWS(tost({0.1}, 0.0, "wilcoxon"));
  CHECK_THROWS(tost({0.1}, 0.5, "bootstrap"));
}

TEST_CASE("median: the middle value, the mean of the two middle ones, NaN when empty", "[stats]") {
  CHECK(spikebench::stats::median({3.0, 1.0, 2.0}) == 2.0);
  CHECK(spikebench::stats::median({4.0, 1.0, 3.0, 2.0}) == 2.5);
  CHECK(spikebench::stats::median({5.0}) == 5.0);
  CHECK(std::isnan(spikebench::stats::median({})));
}
