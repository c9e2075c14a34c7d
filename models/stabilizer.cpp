#include "models/stabilizer.h"

namespace spikebench::models {

std::vector<std::shared_ptr<StabilizerImpl>> make_stabilizers(const std::vector<std::string>& names,
                                                              const ModelConfig& config) {
  std::vector<std::shared_ptr<StabilizerImpl>> out;
  for (const auto& n : names)
    if (const auto& kind = Registry<StabilizerKind>::instance().get(n); kind.make)
      out.push_back(kind.make(config));
  return out;
}

std::vector<std::shared_ptr<StabilizerImpl>> make_layer_stabilizers(
    const std::vector<std::string>& names, const ModelConfig& config) {
  std::vector<std::shared_ptr<StabilizerImpl>> out;
  for (const auto& n : names)
    if (const auto& kind = Registry<StabilizerKind>::instance().get(n); kind.make_layer)
      out.push_back(kind.make_layer(config));
  return out;
}

}  // namespace spikebench::models
