#include "models/init.h"

namespace spikebench::models {

InitScheme init_scheme(const ModelConfig& config) {
  return Registry<InitKind>::instance().get(config.init).sigmas(config);
}

}  // namespace spikebench::models
