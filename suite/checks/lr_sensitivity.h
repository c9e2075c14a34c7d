#pragma once
// LR sensitivity per method, size and seed from a study's lr sweep (Wortsman et al. 2023, §2.2;
// the formula is stats/lr_sensitivity.cpp). The loss is the final validation loss; the
// loss at initialization is the run's first training loss (measured before any update; the
// same for every lr of one seed, which fixes the init); a diverged run counts as that loss.
#include <string>
#include <vector>

#include "suite/checks/check.h"
#include "suite/results/tree.h"

namespace spikebench::checks {

struct LrSweep {
  std::string method, size;
  int64_t seed = 0;
  std::vector<double> lrs, losses;
  std::vector<bool> diverged;
  std::vector<bool> failed;  // diverged, or (with the root's lr_failed_above) above that loss
  double loss_init = NAN;
  double sensitivity = NAN;
  /// The largest lr of the sweep at which this seed trains without failing, every smaller lr
  /// included (the stable prefix of the grid, Wortsman et al. 2023's "max stable lr"); 0 when
  /// the smallest lr failed. Censored at the grid's largest lr when nothing failed. Failed =
  /// diverged, or — when the results root has `lr_failed_above` (the study's key) — a final
  /// validation loss above it (a run stuck at the unigram loss, which the monitor cannot see).
  double critical_lr = NAN;
};

inline constexpr const char* kLrLossMetric = "valid/loss:last";
inline constexpr const char* kLrInitMetric = "train/loss:first";

/// The critical learning rate of one seed: the largest lr such that no run at it or at a
/// smaller lr diverged; 0 when the smallest diverged.
double critical_lr(const std::vector<double>& lrs, const std::vector<bool>& diverged);

/// Every (method, size, seed) with runs at two or more learning rates.
std::vector<LrSweep> lr_sweeps(const results::Group& root);
/// The same grouping over planned runs (values NaN): which sweeps a plan will produce.
std::vector<LrSweep> planned_lr_sweeps(const std::vector<RunAttrs>& planned);

/// Writes /summary/lr_sensitivity/<method> (or <method>-<size> with several sizes): datasets
/// seed, value (LR sensitivity) and critical_lr (one row per seed), attrs mean, metric,
/// init_metric, lrs. Removes a stale
/// /summary/lr_sensitivity first; writes nothing when the runs have no lr sweep.
void write_lr_sensitivity(results::Group& root);

}  // namespace spikebench::checks
