#pragma once
// `spikebench compare`'s numbers: every method of a study against chosen baselines, over paired
// seeds (the statistics of stats, as the claim checks use them). Per method: LR
// sensitivity per seed (Wortsman et al. 2023, §2.2; lr_sensitivity.h) with its mean and spread,
// the spike scores (stability_monitor.h), divergences, and the final validation loss at each lr
// with a 95% percentile-bootstrap interval over seeds. Per method and baseline: a two-sided
// Wilcoxon signed-rank test over seeds (pairs share seed, lr, data order and init; a diverged
// run ranks worst), p = 2·min of the two one-sided exact p-values, on LR sensitivity and on the
// final validation loss at each lr. Holm–Bonferroni adjusts within each family: one baseline,
// one metric (one lr), every other method — the question a reader asks of one column ("which
// methods beat Vanilla on LR sensitivity?"). Chosen before the first comparison ran: with 8
// seeds the smallest two-sided p is 2/256, so a family of 4 can still decide (0.031), where one
// Holm family over the whole page (64 p-values) never could. Verdicts: lower (better) or higher
// (worse) when the adjusted p ≤ 0.05, the direction from the smaller one-sided p; otherwise
// inconclusive. A method that is itself an earlier baseline is not tested twice.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "suite/results/tree.h"
#include "stats/stats.h"

namespace spikebench::checks {

struct MethodSummary {
  std::string method;
  int64_t runs = 0, diverged = 0, seeds = 0;
  std::vector<double> sensitivity;  // per seed (empty without an lr sweep)
  double sensitivity_mean = NAN;
  double loss_spike_score = NAN, grad_spike_score = NAN;  // means over runs
  std::map<double, std::vector<double>> final_loss;       // lr → per-seed (finite only)
  std::map<double, stats::Bootstrap> final_loss_ci;       // lr → mean and 95% interval
  std::map<double, int64_t> diverged_at;                  // lr → diverged runs
};

struct PairedTest {
  std::string method, baseline;
  std::string metric;                // "lr_sensitivity" or "valid/loss:last"
  double lr = NAN;                   // NaN for lr_sensitivity
  int64_t n = 0;                     // pairs
  double mean_diff = NAN;            // method − baseline (finite pairs)
  double p_lower = 1, p_higher = 1;  // one-sided Wilcoxon: method lower / higher
  double p_two_sided = 1;            // min(1, 2·min(p_lower, p_higher))
  double p_adjusted = 1;             // Holm within the family (baseline, metric, lr)
  std::string verdict;               // lower | higher | inconclusive | no pairs (n 0: p NaN)
};

struct Comparison {
  std::string size;
  std::vector<double> lrs;
  std::vector<MethodSummary> methods;  // in the order the study lists them
  std::vector<PairedTest> tests;
  double alpha = 0.05;
};

/// The comparison of every method in `root` (a study's results) against `baselines` (methods
/// of the study). Errors name a baseline the study lacks, or a study with several sizes.
Comparison compare_methods(const results::Group& root, const std::vector<std::string>& baselines,
                           const std::vector<std::string>& method_order);

}  // namespace spikebench::checks
