#pragma once
// Learning-rate schedules: linear warmup + cosine decay to min_lr (Table 3, Megatron style) and
// inverse square root with warmup steps (Table 4, Vaswani et al. 2017), and constant.
#include <cstdint>
#include <string>

#include "core/enum_names.h"

namespace spikebench::engine {

enum class ScheduleKind { cosine, inverse_sqrt, constant };
const EnumNames<ScheduleKind>& schedule_names();

struct Schedule {
  ScheduleKind kind = ScheduleKind::cosine;
  double lr = 5e-4;      // peak learning rate
  int64_t steps = 1000;  // total updates
  int64_t warmup = 50;   // warmup updates (cosine: warmup_fraction · steps)
  double min_lr = 0.0;   // cosine floor
  /// Learning rate of update `step` (0-based).
  double at(int64_t step) const;
};

}  // namespace spikebench::engine
