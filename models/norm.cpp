#include "models/norm.h"

namespace spikebench::models {

std::shared_ptr<NormImpl> make_norm(const std::string& name, int64_t d, bool bias,
                                    const SettingValues& settings) {
  return Registry<NormKind>::instance().get(name).make(d, bias, settings);
}

}  // namespace spikebench::models
