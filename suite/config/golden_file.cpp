#include "suite/config/golden_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>

#include "core/error.h"
#include "suite/config/yaml.h"

namespace spikebench::config {

void GoldenValues::set(const std::string& run, const std::string& metric,
                       std::optional<double> value) {
  auto r = std::find_if(runs_.begin(), runs_.end(), [&](const auto& x) { return x.first == run; });
  if (r == runs_.end()) r = runs_.insert(runs_.end(), {run, {}});
  for (auto& [m, v] : r->second)
    if (m == metric) return void(v = value);
  r->second.emplace_back(metric, value);
}

const std::optional<double>* GoldenValues::find(const std::string& run,
                                                const std::string& metric) const {
  for (const auto& [r, metrics] : runs_)
    if (r == run)
      for (const auto& [m, v] : metrics)
        if (m == metric) return &v;
  return nullptr;
}

GoldenFile read_golden_file(const std::filesystem::path& path) {
  GoldenFile g;
  if (!std::filesystem::exists(path)) return g;
  const YAML::Node root = load_file(path);
  const std::string where = path.string();
  g.present = true;
  if (const YAML::Node m = root["machine"]; m && m.IsMap()) {
    g.has_machine = true;
    for (const auto& kv : m)
      g.machine.emplace_back(key_of(kv.first, where),
                             kv.second.IsScalar() ? kv.second.Scalar() : "");
  }
  if (const YAML::Node values = root["values"]; values && values.IsMap())
    for (const auto& run : values) {
      const std::string name = key_of(run.first, where);
      if (!run.second.IsMap()) continue;
      for (const auto& kv : run.second) {
        const std::string metric = key_of(kv.first, where);
        if (kv.second.IsNull()) {
          g.values.set(name, metric, std::nullopt);
          continue;
        }
        try {
          g.values.set(name, metric, kv.second.as<double>());
        } catch (const YAML::Exception&) {
          fail(where, ": values.", name, ".", metric, ": expected a number, got ", flow(kv.second));
        }
      }
    }
  if (const YAML::Node v = root["verdicts"]; v) {
    g.has_verdicts = true;
    if (v.IsMap())
      for (const auto& kv : v)
        g.verdicts[key_of(kv.first, where)] = kv.second.IsScalar() ? kv.second.Scalar() : "";
  }
  return g;
}

void write_golden_file(const std::filesystem::path& path, const std::string& header,
                       const GoldenFile& golden) {
  YAML::Node node;
  for (const auto& [key, value] : golden.machine) node["machine"][key] = value;
  for (const auto& [run, metrics] : golden.values.runs())
    for (const auto& [metric, value] : metrics)
      node["values"][run][metric] = value ? YAML::Node(*value) : YAML::Node(YAML::NodeType::Null);
  for (const auto& [claim, verdict] : golden.verdicts) node["verdicts"][claim] = verdict;
  YAML::Emitter e;
  e << node;
  std::filesystem::create_directories(path.parent_path());
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp);
    f << "# " << header << "\n" << e.c_str() << "\n";
    if (!f) fail(tmp.string(), ": cannot write the golden file");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace spikebench::config
