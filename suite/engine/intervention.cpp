#include "suite/engine/intervention.h"

#include <algorithm>
#include <map>

namespace spikebench::engine {

std::vector<models::DeclaredSetting> intervention_settings() {
  std::map<std::string, std::string> owner_of;
  for (const auto& d : models::declared_settings()) owner_of.emplace(d.setting.key, d.owner);
  std::vector<models::DeclaredSetting> out;
  models::collect_settings<InterventionKind>(out, owner_of);
  return out;
}

InterventionChoice InterventionChoice::parse(const config::Reader& r) {
  InterventionChoice c;
  for (const auto& n : r.texts("interventions")) {
    r.registered<InterventionKind>("interventions", n);
    if (std::find(c.names.begin(), c.names.end(), n) != c.names.end())
      r.error("interventions", "'" + n + "' is listed twice");
    c.names.push_back(n);
  }
  for (const auto& d : intervention_settings())
    c.settings[d.setting.key] = r.real(d.setting.key, d.setting.lo, d.setting.hi);
  return c;
}

std::string intervention_keys_yaml() {
  std::string out =
      "interventions: []        # registered interventions (suite/engine/interventions/), e.g. "
      "[skip_step]\n";
  for (const auto& d : intervention_settings()) out += models::yaml_line(d);
  return out;
}

}  // namespace spikebench::engine

namespace spikebench::engine {

void log_intervened(results::Group& group, const std::string& name, const Update& u) {
  auto& step = group.dataset(name + "/step");
  step.integer = true;
  step.append(static_cast<double>(u.step));
  group.dataset(name + "/loss").append(u.stats.loss);
  group.dataset(name + "/grad_norm").append(u.stats.grad_norm);
}

void write_intervened_count(results::Group& group, const std::string& name) {
  const auto* d = group.find_dataset(name + "/step");
  group.attrs[name + "_updates"] = static_cast<int64_t>(d ? d->rows() : 0);
}

void write_values(torch::serialize::OutputArchive& a, const std::string& key,
                  const std::vector<double>& values) {
  a.write(key, torch::tensor(values, torch::kDouble));
}

std::vector<double> read_values(torch::serialize::InputArchive& a, const std::string& key) {
  torch::Tensor t;
  a.read(key, t);
  t = t.cpu().contiguous();
  return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

}  // namespace spikebench::engine
