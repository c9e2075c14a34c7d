#include "suite/engine/callbacks.h"

#include "suite/engine/intervention.h"
#include "suite/engine/run_log.h"
#include "suite/progress.h"

namespace spikebench::engine {

void MonitorCallback::on_update(Update& u) {
  const auto& st = u.stats;
  const bool discarded = st.verdict == StepVerdict::discard;
  u.obs =
      monitor_.observe({u.step, st.loss, st.grad_norm, st.overflow, st.scale_at_min, discarded});
  log_update(group_, u.step, u.tokens, u.lr, u.seconds, st, u.obs);
  if (u.obs.diverged.empty()) return;
  group_.attrs["diverged_reason"] = u.obs.diverged;
  u.stop = "diverged@" + std::to_string(u.step);
}

void CheckpointCallback::after_update(const Update& u) {
  const int64_t done = u.step + 1;
  if (every_ <= 0 || done % every_ != 0 || done >= steps_) return;
  ctx_.flush();                                        // results first (rows up to u.step) ...
  save_checkpoint(ctx_.checkpoint_dir, done, state_);  // ... then the state to resume from
}

void ProgressCallback::after_update(const Update& u) { progress_.update(u.step + 1, u.line); }

Interventions Interventions::make(const std::vector<std::string>& names,
                                  const models::SettingValues& settings, results::Group& group) {
  Interventions out;
  for (const auto& n : names)
    out.owned.push_back(Registry<InterventionKind>::instance().get(n).make(settings, group));
  return out;
}

}  // namespace spikebench::engine
