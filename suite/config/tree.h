#pragma once
// A study file or a resolved run config as read, kept whole for provenance: copied into a results
// file's /config, hashed by the pre-registration (suite/prereg.h), printed by `show`. Logic reads
// the typed values (Study's fields, RunSpec::typed, checks::CheckList); a Tree is read through a
// config::Reader, so YAML stays inside the readers (suite/config/, study.cpp, model_config.cpp,
// model_io/model_folder.cpp, prereg.cpp: the files scripts/yaml_boundary.sh allows).
#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

#include "suite/config/reader.h"

namespace spikebench::config {

class Tree {
 public:
  Tree() = default;
  explicit Tree(YAML::Node node) : node_(std::move(node)) {}
  Tree(const Tree&) = default;
  // YAML::Node's assignment writes into the node it refers to (every copy sharing it would
  // change); a Tree's rebinds, as a value's should.
  Tree& operator=(const Tree& other) {
    node_.reset(other.node_);
    return *this;
  }
  /// Typed reads of the (map) tree; errors name `where`.
  Reader reader(std::string where) const { return Reader(node_, std::move(where)); }
  /// One line (flow style): the run cache's key, a run's `config` attribute, `show`.
  std::string flow() const;
  /// Block YAML, as `show --yaml` prints it.
  std::string dump() const;
  /// One line per item of a list (`show`'s expectations); empty for anything else.
  std::vector<std::string> flow_items() const;
  /// For the readers and writers named above.
  const YAML::Node& node() const { return node_; }

 private:
  YAML::Node node_;
};

/// The /config provenance text of a results file: the study as read and every run's resolved
/// config (`spikebench check` re-reads the expectations from it).
std::string provenance_yaml(const Tree& study,
                            const std::vector<std::pair<std::string, const Tree*>>& runs);

}  // namespace spikebench::config
