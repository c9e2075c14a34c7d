#include "models/config.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "models/init.h"
#include "models/norm.h"
#include "models/setting.h"
#include "models/stabilizer.h"

namespace spikebench::models {

const EnumNames<Arch>& arch_names() {
  static const EnumNames<Arch> n = {{"preln", Arch::preln}, {"postln", Arch::postln}};
  return n;
}

const EnumNames<Activation>& activation_names() {
  static const EnumNames<Activation> n = {{"gelu", Activation::gelu},
                                          {"gelu_tanh", Activation::gelu_tanh},
                                          {"relu", Activation::relu},
                                          {"identity", Activation::identity}};
  return n;
}

double ModelConfig::base_sigma() const {
  if (sigma > 0) return sigma;
  return std::sqrt(2.0 / (5.0 * static_cast<double>(sigma_d > 0 ? sigma_d : d)));
}

double ModelConfig::setting(const std::string& key) const { return setting_value(settings, key); }

void ModelConfig::validate() const {
  if (vocab <= 0 || d <= 0 || n_layers <= 0 || n_heads <= 0 || d_ffn <= 0 || max_len <= 0)
    fail("model: vocab, d, n_layers, n_heads, d_ffn and max_len must be positive");
  if (d % n_heads != 0) fail("model: d (", d, ") must be divisible by n_heads (", n_heads, ")");
  if (dropout < 0 || dropout >= 1) fail("model: dropout must be in [0, 1), got ", dropout);
  Registry<NormKind>::instance().get(norm);  // unknown names: errors listing the valid ones
  Registry<InitKind>::instance().get(init);
  for (const auto& s : stabilizers) Registry<StabilizerKind>::instance().get(s);
  const auto declared = declared_settings();
  for (const auto& [key, value] : settings) {
    auto d = std::find_if(declared.begin(), declared.end(),
                          [&](const DeclaredSetting& x) { return x.setting.key == key; });
    if (d == declared.end()) fail("model: no component declares the setting '", key, "'");
    if (!(value >= d->setting.lo && value <= d->setting.hi))
      fail("model: setting '", key, "' (", d->owner, ") = ", value, " outside [", d->setting.lo,
           ", ", d->setting.hi, "]");
  }
}

int64_t param_count(const ModelConfig& c) {
  const int64_t b = c.bias ? 1 : 0;
  const int64_t norm = c.norm == "rmsnorm" ? c.d : (1 + b) * c.d;  // RMSNorm: gain only
  const int64_t per_layer = 4 * c.d * c.d + 2 * c.d * c.d_ffn      // W_QKV, W_O, W1, W2
                            + b * (3 * c.d + c.d + c.d_ffn + c.d)  // their biases
                            + 2 * norm;                            // two norms per layer
  return c.vocab * c.d + c.max_len * c.d + c.n_layers * per_layer +
         (c.arch == Arch::preln ? norm : 0);
}

double training_flops_per_token(const ModelConfig& c, int64_t seq_len) {
  const double p = static_cast<double>(param_count(c) - c.max_len * c.d);
  return 6.0 * p + 12.0 * static_cast<double>(c.n_layers * seq_len * c.d);
}

namespace {

ModelConfig make(int64_t vocab, int64_t d, int64_t n_layers, int64_t n_heads, int64_t max_len) {
  ModelConfig c;
  c.vocab = vocab, c.d = d, c.n_layers = n_layers, c.n_heads = n_heads, c.d_ffn = 4 * d;
  c.max_len = max_len;
  return c;
}

}  // namespace

const std::vector<Flavor>& flavors() {
  static const std::vector<Flavor> table = {
      {"350m", "Table 3: 350M (N=24, d=1024, h=16, L=2048)", make(50257, 1024, 24, 16, 2048)},
      {"1.7b", "Table 3: 1.7B (N=24, d=2304, h=24, L=2048)", make(50257, 2304, 24, 24, 2048)},
      {"13b", "Table 3 / App. E: 13B (N=40, d=5120, h=40, L=2048)",
       make(50257, 5120, 40, 40, 2048)},
      {"gpu", "one-GPU proxy: paper depth N=24, d=512, h=8, L=1024, GPT-2 BPE",
       make(50257, 512, 24, 8, 1024)},
      {"cpu", "two-core proxy: N=4, d=128, h=4, L=128, byte-level vocabulary",
       make(256, 128, 4, 4, 128)},
      {"tiny", "unit-test size: N=2, d=32, h=2, L=16, vocab 64", make(64, 32, 2, 2, 16)},
  };
  return table;
}

const Flavor& flavor(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& f : flavors()) {
    if (f.name == name) return f;
    names.push_back(f.name);
  }
  fail("unknown model size '", name, "' (valid: ", join(names, ", "), ")");
}

}  // namespace spikebench::models
