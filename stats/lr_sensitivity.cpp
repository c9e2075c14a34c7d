// LR sensitivity (Wortsman et al. 2023, "Small-scale proxies for large-scale Transformer
// training instabilities", §2.2): E_lr[ min(loss(lr), loss_init) − min_lr loss(lr) ], with a
// diverged run counted as the loss at initialization. The minimum subtracted is taken over the
// clipped losses, min_lr min(loss(lr), loss_init): the same as Wortsman's whenever some lr
// ends below loss_init, and 0 (not negative) when none does. A non-finite loss of a run that
// did not diverge is missing data, not a failure: the sensitivity is then NaN.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "stats/stats.h"

namespace spikebench::stats {

double lr_sensitivity(const std::vector<double>& loss, const std::vector<bool>& diverged,
                      double loss_init) {
  if (loss.empty() || loss.size() != diverged.size())
    fail("lr_sensitivity: need one loss and one diverged flag per learning rate");
  if (!std::isfinite(loss_init)) fail("lr_sensitivity: the loss at initialization is not finite");
  std::vector<double> clipped;
  for (size_t i = 0; i < loss.size(); ++i) {
    if (!diverged[i] && !std::isfinite(loss[i])) return NAN;  // missing, not diverged
    clipped.push_back(diverged[i] ? loss_init : std::min(loss[i], loss_init));
  }
  const double best = *std::min_element(clipped.begin(), clipped.end());
  double sum = 0;
  for (double l : clipped) sum += l - best;
  return sum / static_cast<double>(clipped.size());
}

}  // namespace spikebench::stats
