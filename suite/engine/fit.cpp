#include "suite/engine/fit.h"

#include <algorithm>

#include "core/error.h"

namespace spikebench::engine {

std::string fit(int64_t start, int64_t steps, const StepFn& step, const Callbacks& callbacks) {
  std::string status = "ok";
  for (auto* cb : callbacks) cb->on_fit_begin(start);
  for (int64_t s = start; s < steps; ++s) {
    const StepHooks hooks{[&](const StepProposal& p) {
                            StepVerdict verdict = StepVerdict::apply;
                            for (auto* cb : callbacks)  // every callback is asked
                              verdict = std::max(verdict, cb->propose(p));
                            return verdict;
                          },
                          [&](OptimizerStep& o) {
                            for (auto* cb : callbacks) cb->before_step(o);
                          }};
    Update u = step(s, hooks);
    u.step = s;
    for (auto* cb : callbacks) cb->on_update(u);
    if (!u.stop.empty()) {
      status = u.stop;
      break;
    }
    if (u.rewind_to >= 0) {
      if (u.rewind_to > s)
        fail("fit: a rewind from update ", s, " to a later one (", u.rewind_to, ")");
      for (auto* cb : callbacks) cb->on_rewind(s, u.rewind_to);
      s = u.rewind_to - 1;  // the loop's ++s continues at rewind_to
      continue;
    }
    for (auto* cb : callbacks) cb->after_update(u);
  }
  for (auto* cb : callbacks) cb->on_fit_end(status);
  return status;
}

std::function<void(torch::serialize::OutputArchive&)> save_states(const Callbacks& callbacks) {
  if (std::none_of(callbacks.begin(), callbacks.end(), [](auto* c) { return c->has_state(); }))
    return nullptr;
  return [&callbacks](torch::serialize::OutputArchive& a) {
    for (auto* cb : callbacks) {
      if (!cb->has_state()) continue;
      torch::serialize::OutputArchive mine;
      cb->save(mine);
      a.write(cb->name(), mine);
    }
  };
}

std::function<void(torch::serialize::InputArchive&)> load_states(const Callbacks& callbacks) {
  if (std::none_of(callbacks.begin(), callbacks.end(), [](auto* c) { return c->has_state(); }))
    return nullptr;
  return [&callbacks](torch::serialize::InputArchive& a) {
    for (auto* cb : callbacks) {
      if (!cb->has_state()) continue;
      torch::serialize::InputArchive mine;
      if (!a.try_read(cb->name(), mine))
        fail("checkpoint: no state for '", cb->name(),
             "' (was the run started without it, or by an older spikebench?)");
      cb->load(mine);
    }
  };
}

void bind_state(const Callbacks& callbacks, TrainState& state) {
  for (auto* cb : callbacks) cb->bind(state);
}

}  // namespace spikebench::engine
