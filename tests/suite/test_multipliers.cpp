// The worked example of a stabilizer with settings (docs/stabilizers.md): `multipliers`
// (models/stabilizers/multipliers.cpp) declares embedding_multiplier and output_multiplier beside
// itself; the suite's config keys, defaults, validation and the model follow from that one file.
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "models/decoder.h"
#include "models/setting.h"
#include "suite/model_config.h"
#include "suite/prereg.h"
#include "suite/study.h"

namespace sb = spikebench;
using sb::models::DecoderLM;

namespace {

/// A decoder config from the suite's model keys with `overrides` (YAML) on top, as a study sets
/// them.
sb::models::ModelConfig config_of(const std::string& overrides) {
  YAML::Node node = YAML::Load(sb::model_keys_yaml());
  for (const auto& kv : YAML::Load(overrides)) node[kv.first.as<std::string>()] = kv.second;
  return sb::model_config(sb::config::Reader(node, "worked.yaml: run 'r'"));
}

std::string exact(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

torch::Tensor logits_of(const sb::models::ModelConfig& c, const torch::Tensor& ids) {
  torch::manual_seed(7);  // the same init for every variant (multipliers owns no parameters)
  DecoderLM m(c);
  m->eval();
  torch::NoGradGuard g;
  return m->forward(ids);
}

}  // namespace

TEST_CASE("multipliers: its two settings are config keys with the defaults it declares",
          "[models][related][settings]") {
  const std::string keys = sb::model_keys_yaml();
  CHECK_THAT(keys, Catch::Matchers::Contains("embedding_multiplier: 1.0") &&
                       Catch::Matchers::Contains("output_multiplier: 1.0") &&
                       Catch::Matchers::Contains("(stabilizer 'multipliers')"));
  const auto c = config_of("{size: tiny, stabilizers: [multipliers], output_multiplier: 0.5}");
  CHECK(c.setting("embedding_multiplier") == 1.0);
  CHECK(c.setting("output_multiplier") == 0.5);
  // The inverse (a model folder's config) carries them and rebuilds the same values.
  const YAML::Node back = sb::model_keys(c, "tiny");
  CHECK(back["output_multiplier"].as<double>() == 0.5);
  CHECK(sb::model_config(sb::config::Reader(back, "back")).setting("output_multiplier") == 0.5);
  // Out of the declared range: an error naming the file, run and key.
  try {
    config_of("{size: tiny, output_multiplier: 0}");
    FAIL("expected an error");
  } catch (const sb::Error& e) {
    CHECK_THAT(e.what(), Catch::Matchers::Contains("worked.yaml: run 'r'") &&
                             Catch::Matchers::Contains("key 'output_multiplier'"));
  }
}

TEST_CASE("multipliers: 1 and 1 is Vanilla, m_e = √d is Scaled Embed, m_o scales the logits",
          "[models][related][settings]") {
  const auto ids = torch::randint(0, 64, {2, 8});
  const auto vanilla = logits_of(config_of("{size: tiny, dropout: 0}"), ids);
  const auto identity =
      logits_of(config_of("{size: tiny, dropout: 0, stabilizers: [multipliers]}"), ids);
  CHECK(torch::equal(identity, vanilla));
  const double sqrt_d = std::sqrt(32.0);  // tiny: d = 32
  const auto scaled =
      logits_of(config_of("{size: tiny, dropout: 0, stabilizers: [scaled_embed]}"), ids);
  const auto m_e = logits_of(config_of("{size: tiny, dropout: 0, stabilizers: [multipliers], "
                                       "embedding_multiplier: " +
                                       exact(sqrt_d) + "}"),
                             ids);
  CHECK(torch::allclose(m_e, scaled, 1e-5, 1e-6));
  CHECK_FALSE(torch::allclose(m_e, vanilla, 1e-3, 1e-3));  // the multiplier acts
  const auto m_o = logits_of(
      config_of("{size: tiny, dropout: 0, stabilizers: [multipliers], output_multiplier: 2.5}"),
      ids);
  CHECK(torch::allclose(m_o, 2.5 * vanilla, 1e-5, 1e-6));
}

TEST_CASE("multipliers at 1 leave a pre-registered design hash as it was before they existed",
          "[settings][prereg]") {
  const auto study = sb::find_study("spikes");
  auto runs = [&] { return study.runs("cpu", 0, {}); };
  auto hash = [&](const std::vector<sb::RunSpec>& r) {
    return sb::prereg::design_of(study, "cpu", r).hash;
  };
  const auto now = hash(runs());
  auto before = runs();  // a record written before the stabilizer: its keys absent
  for (auto& r : before) {
    YAML::Node c = YAML::Clone(r.config.node());
    for (const char* k : {"embedding_multiplier", "output_multiplier"}) c.remove(k);
    r.config = sb::config::Tree(c);
  }
  CHECK(hash(before) == now);
  auto used = runs();
  YAML::Node c = YAML::Clone(used[0].config.node());
  c["output_multiplier"] = 2.0;
  used[0].config = sb::config::Tree(c);
  CHECK(hash(used) != now);
}

TEST_CASE("a norm's setting is a config key like a stabilizer's: rmsnorm_eps",
          "[models][settings]") {
  CHECK_THAT(sb::model_keys_yaml(), Catch::Matchers::Contains("rmsnorm_eps: 1.0e-05") &&
                                        Catch::Matchers::Contains("(norm 'rmsnorm')"));
  const auto ids = torch::randint(0, 64, {2, 8});
  const auto c = config_of("{size: tiny, dropout: 0, norm: rmsnorm, rmsnorm_eps: 1.0e-06}");
  CHECK(c.setting("rmsnorm_eps") == 1e-6);
  CHECK(c.setting("layernorm_eps") == 1e-5);
  CHECK_FALSE(torch::equal(logits_of(c, ids),
                           logits_of(config_of("{size: tiny, dropout: 0, norm: rmsnorm}"), ids)));
  try {
    config_of("{size: tiny, norm: rmsnorm, rmsnorm_eps: -1}");
    FAIL("expected an error");
  } catch (const sb::Error& e) {
    CHECK_THAT(e.what(), Catch::Matchers::Contains("worked.yaml: run 'r'") &&
                             Catch::Matchers::Contains("key 'rmsnorm_eps'"));
  }
}
