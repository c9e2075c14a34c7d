#include "suite/engine/intervention.h"

#include <algorithm>
#include <map>

namespace spikebench::engine {

std::vector<models::DeclaredSetting> run_settings() {
  auto out = models::declared_settings();
  std::map<std::string, std::string> owner_of;  // a key an intervention shares with a model
  for (const auto& d : out) owner_of.emplace(d.setting.key, d.owner);  // component is an error
  models::collect_settings<InterventionKind>(out, owner_of);
  return out;
}

std::vector<models::DeclaredSetting> intervention_settings() {
  auto all = run_settings();
  all.erase(all.begin(), std::find_if(all.begin(), all.end(), [](const auto& d) {
              return d.owner.rfind(InterventionKind::kKind, 0) == 0;
            }));
  return all;
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

void RecordingIntervention::on_update(Update& u) {
  if (acted_at_ != u.step) return;
  const std::string n = name();
  auto& step = group_.dataset(n + "/step");
  step.integer = true;
  step.append(static_cast<double>(u.step));
  group_.dataset(n + "/loss").append(u.stats.loss);
  group_.dataset(n + "/grad_norm").append(u.stats.grad_norm);
  if (extra_) group_.dataset(n + "/" + extra_).append(value_);
}

void RecordingIntervention::on_fit_end(const std::string&) {
  const auto* d = group_.find_dataset(name() + "/step");
  group_.attrs[name() + "_updates"] = static_cast<int64_t>(d ? d->rows() : 0);
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
