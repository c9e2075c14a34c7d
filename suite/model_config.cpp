#include "suite/model_config.h"

#include <cmath>

#include "core/registry.h"
#include "models/init.h"
#include "models/norm.h"
#include "models/setting.h"
#include "models/stabilizer.h"
#include "suite/config/yaml.h"

namespace spikebench {

namespace {

// The model's own keys; the components' settings follow (model_keys_yaml).
constexpr const char* kFixedKeys = R"(
size: cpu                # model flavor (models/config.cpp): 350m, 1.7b, 13b, gpu, cpu, tiny
seed: 0                  # torch RNG seed for init, dropout and data order
init: scaled             # registered init (models/inits/; `spikebench list --components`)
stabilizers: []          # registered stabilizers, e.g. [scaled_embed], [embed_ln, z_loss]
norm: layernorm          # registered norm (models/norms/): layernorm | rmsnorm (§5.3)
arch: preln              # preln (Eqs. 1-2) | postln (App. D)
activation: gelu         # F of Eq. (3): gelu | gelu_tanh (GPT-2) | relu | identity
dropout: null            # null = the flavor's (0.1, Table 3)
bias: true               # biases in linear layers and norms
vocab: null              # null = the flavor's
d: null                  # null = the flavor's hidden size (d_ffn = 4d when set)
n_layers: null           # null = the flavor's N
n_heads: null            # null = the flavor's h
max_len: null            # null = the flavor's L (learned positions)
sigma: null              # σ of §2.2 for every weight before the scaled rule; null = sqrt(2/(5d))
sigma_d: null            # σ = sqrt(2/(5·sigma_d)): a narrow model at a wider model's σ (null = d)
loss_chunk: 0            # rows per chunk of the fused output-layer loss (0 = logits whole)
)";

}  // namespace

std::string model_keys_yaml() {
  std::string out = kFixedKeys;
  for (const auto& d : models::declared_settings()) out += models::yaml_line(d);
  return out;
}

models::ModelConfig model_config(const config::Reader& r) {
  const auto size = r.text("size");
  std::vector<std::string> sizes;
  for (const auto& f : models::flavors()) sizes.push_back(f.name);
  if (std::find(sizes.begin(), sizes.end(), size) == sizes.end())
    r.error("size", "unknown model size '" + size + "' (valid: " + join(sizes, ", ") + ")");
  models::ModelConfig c = models::flavor(size).config;
  if (auto v = r.maybe_integer("vocab", 1)) c.vocab = *v;
  if (auto v = r.maybe_integer("n_layers", 1)) c.n_layers = *v;
  if (auto v = r.maybe_integer("n_heads", 1)) c.n_heads = *v;
  if (auto v = r.maybe_integer("max_len", 1)) c.max_len = *v;
  if (auto v = r.maybe_integer("d", 1)) c.d = *v, c.d_ffn = 4 * *v;
  if (c.d % c.n_heads != 0)
    r.error(r.has("n_heads") ? "n_heads" : "d", "d (" + std::to_string(c.d) +
                                                    ") must be divisible by n_heads (" +
                                                    std::to_string(c.n_heads) + ")");
  if (auto v = r.maybe_real("dropout", 0, 1)) {
    if (*v >= 1) r.error("dropout", "expected a number in [0, 1)");
    c.dropout = *v;
  }
  c.bias = r.flag("bias");
  c.arch = r.choice("arch", models::arch_names());
  c.activation = r.choice("activation", models::activation_names());
  c.norm = r.registered<models::NormKind>("norm", r.text("norm"));
  c.init = r.registered<models::InitKind>("init", r.text("init"));
  c.stabilizers.clear();
  for (const auto& s : r.texts("stabilizers"))
    c.stabilizers.push_back(r.registered<models::StabilizerKind>("stabilizers", s));
  if (auto v = r.maybe_real("sigma", 0, INFINITY, /*open_lo=*/true)) c.sigma = *v;
  if (auto v = r.maybe_integer("sigma_d", 1)) {
    if (r.has("sigma")) r.error("sigma_d", "set sigma or sigma_d, not both");
    c.sigma_d = *v;  // σ of §2.2 at width sigma_d; Scaled Embed then scales by sqrt(sigma_d)
  }
  for (const auto& d : models::declared_settings())  // each component's, as it declares them
    c.settings[d.setting.key] = r.real(d.setting.key, d.setting.lo, d.setting.hi);
  c.loss_chunk = r.integer("loss_chunk", 0);
  c.validate();
  return c;
}

}  // namespace spikebench

namespace spikebench {

std::optional<config::Tree> model_keys_file(const std::string& path,
                                            const std::vector<std::string>& sets) {
  const YAML::Node node = config::load_file(path);
  if (node["runner"]) return std::nullopt;
  const YAML::Node defaults = YAML::Load(model_keys_yaml());
  config::require_known_keys(node, defaults, path);
  return config::Tree(config::apply_overrides(config::merge(defaults, node), sets));
}

models::ModelConfig model_config_at(const config::Tree& keys, const std::string& size,
                                    const std::string& where) {
  YAML::Node k = YAML::Clone(keys.node());
  if (!size.empty()) {
    k["size"] = size;
    for (const char* key : {"d", "n_layers", "n_heads", "max_len", "vocab", "sigma_d"})
      k[key] = YAML::Node(YAML::NodeType::Null);
  }
  return model_config(config::Reader(k, where));
}

YAML::Node model_keys(const models::ModelConfig& c, const std::string& size) {
  if (c.d_ffn != 4 * c.d)
    fail("model config: d_ffn ", c.d_ffn, " is not 4·d = ", 4 * c.d,
         " (the only FFN width a spikebench config can state)");
  YAML::Node n;
  n["size"] = size;
  n["init"] = c.init;
  n["stabilizers"] = YAML::Node(YAML::NodeType::Sequence);
  for (const auto& s : c.stabilizers) n["stabilizers"].push_back(s);
  n["norm"] = c.norm;
  n["arch"] = std::string(name_of(c.arch, models::arch_names()));
  n["activation"] = std::string(name_of(c.activation, models::activation_names()));
  n["dropout"] = c.dropout;
  n["bias"] = c.bias;
  n["vocab"] = c.vocab;
  n["d"] = c.d;
  n["n_layers"] = c.n_layers;
  n["n_heads"] = c.n_heads;
  n["max_len"] = c.max_len;
  n["sigma"] = YAML::Node(YAML::NodeType::Null);
  if (c.sigma > 0) n["sigma"] = c.sigma;
  n["sigma_d"] = YAML::Node(YAML::NodeType::Null);
  if (c.sigma_d > 0) n["sigma_d"] = c.sigma_d;
  for (const auto& d : models::declared_settings()) n[d.setting.key] = c.setting(d.setting.key);
  n["loss_chunk"] = c.loss_chunk;
  return n;
}

}  // namespace spikebench
