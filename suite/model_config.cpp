#include "suite/model_config.h"

#include <cmath>

#include "core/registry.h"
#include "models/init.h"
#include "models/norm.h"
#include "models/stabilizer.h"

namespace spikebench {

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
  auto registered = [&](const char* key, const auto& registry, const std::string& name) {
    using Entry = typename std::decay_t<decltype(registry.entries())>::mapped_type;
    if (!registry.contains(name))
      r.error(key, "unknown " + std::string(Entry::kKind) + " '" + name +
                       "' (valid: " + join(registry.names(), ", ") + ")");
    return name;
  };
  c.norm = registered("norm", Registry<models::NormKind>::instance(), r.text("norm"));
  c.init = registered("init", Registry<models::InitKind>::instance(), r.text("init"));
  c.stabilizers.clear();
  for (const auto& s : r.texts("stabilizers"))
    c.stabilizers.push_back(
        registered("stabilizers", Registry<models::StabilizerKind>::instance(), s));
  if (auto v = r.maybe_real("sigma", 0, INFINITY, /*open_lo=*/true)) c.sigma = *v;
  if (auto v = r.maybe_integer("sigma_d", 1)) {
    if (r.has("sigma")) r.error("sigma_d", "set sigma or sigma_d, not both");
    c.sigma_d = *v;  // σ of §2.2 at width sigma_d; Scaled Embed then scales by sqrt(sigma_d)
  }
  c.embed_detach_gamma = r.real("embed_detach_gamma", 0, 1);
  c.z_loss = r.real("z_loss", 0, INFINITY);
  c.attention_softcap = r.real("attention_softcap", 0, INFINITY);
  c.logit_softcap = r.real("logit_softcap", 0, INFINITY);
  c.loss_chunk = r.integer("loss_chunk", 0);
  c.validate();
  return c;
}

}  // namespace spikebench

namespace spikebench {

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
  n["embed_detach_gamma"] = c.embed_detach_gamma;
  n["z_loss"] = c.z_loss;
  n["attention_softcap"] = c.attention_softcap;
  n["logit_softcap"] = c.logit_softcap;
  n["loss_chunk"] = c.loss_chunk;
  return n;
}

}  // namespace spikebench
