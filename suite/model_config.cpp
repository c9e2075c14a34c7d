#include "suite/model_config.h"

namespace spikebench {

models::ModelConfig model_config(const YAML::Node& r) {
  models::ModelConfig c = models::flavor(r["size"].as<std::string>()).config;
  auto set_int = [&](const char* key, int64_t& field) {
    if (r[key] && !r[key].IsNull()) field = r[key].as<int64_t>();
  };
  set_int("vocab", c.vocab);
  set_int("n_layers", c.n_layers);
  set_int("n_heads", c.n_heads);
  set_int("max_len", c.max_len);
  if (r["d"] && !r["d"].IsNull()) c.d = r["d"].as<int64_t>(), c.d_ffn = 4 * c.d;
  if (r["dropout"] && !r["dropout"].IsNull()) c.dropout = r["dropout"].as<double>();
  if (r["bias"]) c.bias = r["bias"].as<bool>();
  if (r["init"]) c.init = r["init"].as<std::string>();
  if (r["norm"]) c.norm = r["norm"].as<std::string>();
  if (r["arch"]) c.arch = r["arch"].as<std::string>();
  if (r["activation"]) c.activation = r["activation"].as<std::string>();
  if (r["stabilizers"]) c.stabilizers = r["stabilizers"].as<std::vector<std::string>>();
  if (r["embed_detach_gamma"]) c.embed_detach_gamma = r["embed_detach_gamma"].as<double>();
  if (r["z_loss"]) c.z_loss = r["z_loss"].as<double>();
  c.validate();
  return c;
}

}  // namespace spikebench
