#include "suite/config/tree.h"

#include "suite/config/yaml.h"

namespace spikebench::config {

std::string Tree::flow() const { return config::flow(node_); }

std::string Tree::dump() const { return YAML::Dump(node_); }

std::vector<std::string> Tree::flow_items() const {
  std::vector<std::string> out;
  if (node_.IsSequence())
    for (const auto& item : node_) out.push_back(config::flow(item));
  return out;
}

std::string provenance_yaml(const Tree& study,
                            const std::vector<std::pair<std::string, const Tree*>>& runs) {
  YAML::Node resolved;
  resolved["study"] = YAML::Clone(study.node());
  for (const auto& [name, config] : runs) resolved["runs"][name] = config->node();
  YAML::Emitter e;
  e << resolved;
  return e.c_str();
}

}  // namespace spikebench::config
