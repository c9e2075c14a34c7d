#pragma once
// `reproduce --plan`: what a scale would run and what it would cost. For each artifact: runs,
// training tokens, model FLOPs (models::training_flops_per_token) and GPU-hours at a model-FLOPs
// utilization (MFU) that is measured — the median `mfu` of train_lm runs already in the output
// folder at that scale (written on a GPU) — or, when none was measured, assumed and labelled so.
#include <string>
#include <vector>

#include "suite/pipeline.h"
#include "suite/study.h"

namespace spikebench {

struct PlanOptions {
  std::string gpu = "H100";  // accelerator the GPU-hours are for (suite/engine/peak_flops)
  double mfu = 0;            // > 0: use this MFU; 0: measured if available, else kAssumedMfu
  static constexpr double kAssumedMfu = 0.40;
};

/// Prints the plan table for `studies` at o.scale; returns the number of runs.
int print_plan(const std::vector<Study>& studies, const RunOptions& o, const PlanOptions& p);

}  // namespace spikebench
