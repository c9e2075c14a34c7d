// The paper-scale configurations against the paper's own numbers (issue 28): every paper-scale
// run of every paper artifact, resolved exactly as `spikebench run --scale paper` would, must have
// Table 3's dimensions and hyper-parameters (LM) or Table 4's (MT) as baselines/paper.yaml
// transcribes them, and a learning rate the paper trains that artifact at (paper.yaml:
// learning_rates). A YAML edit that drifts from the paper fails here, naming artifact, run and key.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "core/source_dir.h"
#include "models/config.h"
#include "models/encoder_decoder.h"
#include "suite/study.h"

using namespace spikebench;
namespace fs = std::filesystem;

namespace {

YAML::Node paper_yaml() {
  return YAML::LoadFile((fs::path(source_dir()) / "baselines" / "paper.yaml").string());
}

/// A model key of the run's config, else the flavor's value.
int64_t dim(const YAML::Node& config, const char* key, int64_t flavor_value) {
  return config[key] && !config[key].IsNull() ? config[key].as<int64_t>() : flavor_value;
}

std::string table3_key(const std::string& size) { return size == "1.7b" ? "1_7b" : size; }

}  // namespace

TEST_CASE("paper-scale LM runs have Table 3's settings and the paper's learning rates",
          "[paper-scale]") {
  const auto paper = paper_yaml();
  const auto t3 = paper["table3"], common = paper["table3"]["common"];
  int checked = 0;
  for (const auto& study : artifacts()) {
    if (study.beyond_paper || study.runner != "train_lm") continue;
    const auto scales = study.scales();
    if (std::find(scales.begin(), scales.end(), "paper") == scales.end() ||
        !study.skip_reason("paper").empty())  // spikes: its paper scale is fig1's and table2's
      continue;
    INFO(study.name);
    const auto lrs = paper["learning_rates"][study.name];
    REQUIRE(lrs.IsMap());
    std::set<double> allowed;
    for (const auto& lr : lrs["lrs"]) allowed.insert(lr.as<double>());
    for (const auto& run : study.runs("paper", 0, {})) {
      INFO(run.name);
      const auto& c = run.config.node();
      const auto row = t3[table3_key(run.size)];
      REQUIRE(row.IsMap());
      const auto& f = models::flavor(run.size).config;
      CHECK(dim(c, "n_layers", f.n_layers) == row["layers"].as<int64_t>());
      CHECK(dim(c, "d", f.d) == row["d"].as<int64_t>());
      CHECK(4 * dim(c, "d", f.d) == row["d_ffn"].as<int64_t>());  // d_ffn = 4d in models/config
      CHECK(dim(c, "n_heads", f.n_heads) == row["heads"].as<int64_t>());
      // Tokens per update: Table 3's batch of 2048-token sequences (13B: 2,097,152 tokens). Fig.
      // 8 varies L and "adjusted the batch size" to keep this number (§5.2).
      const int64_t tokens = c["batch"].as<int64_t>() * c["seq_len"].as<int64_t>();
      CHECK(tokens == (row["batch_tokens"] ? row["batch_tokens"].as<int64_t>()
                                           : row["batch"].as<int64_t>() * row["seq_len"].as<int64_t>()));
      if (study.name != "fig8") CHECK(c["seq_len"].as<int64_t>() == row["seq_len"].as<int64_t>());
      CHECK(c["steps"].as<int64_t>() == row["updates"].as<int64_t>());
      CHECK(c["beta2"].as<double>() == row["beta2"].as<double>());
      CHECK(c["beta1"].as<double>() == common["beta1"].as<double>());
      CHECK(c["clip"].as<double>() == common["clip"].as<double>());
      CHECK(c["warmup_fraction"].as<double>() == common["warmup_fraction"].as<double>());
      CHECK(c["weight_decay"].as<double>() == common["weight_decay"].as<double>());
      CHECK(c["dropout"].as<double>() == common["dropout"].as<double>());
      CHECK(c["schedule"].as<std::string>() == common["lr_decay"].as<std::string>());
      CHECK(c["precision"].as<std::string>() == "fp16");  // Table 3: float16
      CHECK(allowed.count(run.lr) == 1);
      ++checked;
    }
  }
  CHECK(checked >= 10);
}

TEST_CASE("paper-scale MT runs have Table 4's settings", "[paper-scale]") {
  const auto t4 = paper_yaml()["table4"];
  REQUIRE(t4.IsMap());
  const auto study = find_study("table5");
  const auto runs = study.runs("paper", 0, {});
  REQUIRE_FALSE(runs.empty());
  for (const auto& run : runs) {
    INFO(run.name);
    const auto& c = run.config.node();
    const auto& f = models::mt_flavor(run.size).config;
    CHECK(dim(c, "n_layers", f.n_encoder_layers) == t4["layers"].as<int64_t>());
    CHECK(f.n_decoder_layers == t4["layers"].as<int64_t>());
    CHECK(dim(c, "d", f.d) == t4["d"].as<int64_t>());
    CHECK(f.d_ffn == t4["d_ffn"].as<int64_t>());
    CHECK(dim(c, "n_heads", f.n_heads) == t4["heads"].as<int64_t>());
    const double dropout = c["dropout"].IsNull() ? f.dropout : c["dropout"].as<double>();
    const double word = c["word_dropout"].IsNull() ? f.word_dropout : c["word_dropout"].as<double>();
    CHECK(dropout == t4["dropout"].as<double>());
    CHECK(word == t4["word_dropout"].as<double>());
    CHECK(c["max_tokens"].as<int64_t>() == t4["max_tokens"].as<int64_t>());
    CHECK(c["beta1"].as<double>() == t4["beta1"].as<double>());
    CHECK(c["beta2"].as<double>() == t4["beta2"].as<double>());
    CHECK(c["clip"].as<double>() == t4["clip"].as<double>());
    CHECK(c["warmup_steps"].as<int64_t>() == t4["warmup_steps"].as<int64_t>());
    CHECK(c["weight_decay"].as<double>() == t4["weight_decay"].as<double>());
    CHECK(c["precision"].as<std::string>() == "fp16");
    std::set<double> lrs;  // Table 5's two learning rates (App. D)
    for (const auto& lr : paper_yaml()["learning_rates"]["table5"]["lrs"]) lrs.insert(lr.as<double>());
    CHECK(lrs.count(run.lr) == 1);
  }
}
