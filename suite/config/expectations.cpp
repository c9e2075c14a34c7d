#include "suite/config/expectations.h"

#include "core/error.h"

namespace spikebench::config {

checks::CheckList expectations(const YAML::Node& list, const std::string& where) {
  return checks::parse(Reader::items(list, where, "checks"));
}

checks::CheckList recorded_expectations(const std::string& config_yaml, const std::string& scale,
                                        const std::string& file) {
  YAML::Node resolved;
  try {
    resolved = YAML::Load(config_yaml);
  } catch (const YAML::Exception& e) {
    fail(file, ": /config yaml attribute: ", e.msg);
  }
  if (!resolved.IsMap() || !resolved["study"].IsMap())
    fail(file, ": /config yaml attribute holds no study");
  const YAML::Node e = resolved["study"]["expectations"];
  return expectations(e && e[scale] ? e[scale] : YAML::Node(YAML::NodeType::Sequence),
                      file + ": expectations." + scale);
}

}  // namespace spikebench::config
