#include "suite/engine/schedule.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace spikebench::engine {

const EnumNames<ScheduleKind>& schedule_names() {
  static const EnumNames<ScheduleKind> n = {{"cosine", ScheduleKind::cosine},
                                            {"inverse_sqrt", ScheduleKind::inverse_sqrt},
                                            {"constant", ScheduleKind::constant}};
  return n;
}

double Schedule::at(int64_t step) const {
  const double s = static_cast<double>(step + 1);  // Megatron counts the first update as 1
  switch (kind) {
    case ScheduleKind::constant:
      return lr;
    case ScheduleKind::inverse_sqrt: {
      // lr · min(s / warmup, sqrt(warmup / s)): linear warmup, then ∝ 1/sqrt(s).
      const double w = static_cast<double>(std::max<int64_t>(1, warmup));
      return lr * std::min(s / w, std::sqrt(w / s));
    }
    case ScheduleKind::cosine:
      break;
  }
  if (warmup > 0 && step < warmup) return lr * s / static_cast<double>(warmup);
  const double progress =
      std::min(1.0, static_cast<double>(step - warmup) /
                        static_cast<double>(std::max<int64_t>(1, steps - warmup)));
  return min_lr + 0.5 * (lr - min_lr) * (1.0 + std::cos(M_PI * progress));
}

}  // namespace spikebench::engine
