// `spikebench diagnose TARGET`: the paper's init-time measurement (Figs. 2-3, §3) as a lint for
// any decoder configuration, before a single update is trained. One forward/backward at
// initialization on a block of real C4 text (suite/diagnose/init_stability.h) gives, per layer,
// the gradient norm and the std of each LayerNorm's input; the verdict reads them as §3.2 does:
//   LN(x) scales its backward pass by σ_LN / std(x) (Eq. 13), so an embedding with std
//   sqrt(2/(5d)) ≪ 1 makes the shallow layers' gradients grow — the explosion Fig. 3 shows for
//   Vanilla and Scaled Embed / Embed LN remove.
// Verdict thresholds are fig3's expectations (suite/artifacts/fig3.yaml), fixed before this
// command existed: first-layer / last-layer gradient norm ≥ 2 → unstable (exit 2), ≤ 1.3 →
// stable, between → borderline. Exit 1 is reserved for errors.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "cli/command.h"
#include "cli/options.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "models/config.h"
#include "suite/data/text_tokens.h"
#include "suite/diagnose/init_stability.h"
#include "suite/model_config.h"
#include "suite/study.h"

namespace {

namespace po = spikebench::cli::po;
namespace fs = std::filesystem;
namespace sb = spikebench;
using json = nlohmann::json;


constexpr const char* kUsage =
    "TARGET [--size S] [--scale cpu] [--set KEY=VALUE]... [--seq-len 512] [--seed 0]\n"
    "       [--data-dir DIR] [--layers] [--json]\n"
    "TARGET: an artifact (fig1), a STUDY.yaml (every method of it), or a YAML map of model keys\n"
    "(size, init, stabilizers, norm, arch, d, ... as in a study). --size replaces the size and\n"
    "drops explicit dimensions (d, n_layers, n_heads, max_len, vocab), e.g. --size 350m for the\n"
    "paper's dimensions. Exit 0: no configuration unstable; 2: at least one unstable (Fig. 3's\n"
    "first/last-layer gradient ratio >= 2); 1: an error.";

struct Candidate {
  std::string name;
  sb::config::Tree keys;  // the model keys (suite/model_config.h) and more
};

/// The configurations TARGET names: one per method of a study, or the model-keys file itself.
std::vector<Candidate> candidates(const std::string& target, const std::string& scale,
                                  const std::vector<std::string>& sets) {
  if (fs::exists(target))
    if (auto keys = sb::model_keys_file(target, sets))
      return {{fs::path(target).stem().string(), *keys}};
  const sb::Study study = sb::find_study(target);
  if (study.runner != "train_lm" && study.runner != "init_grad_norms")
    sb::fail(study.source, ": runner '", study.runner,
             "' does not build the decoder LM (diagnose reads train_lm and init_grad_norms "
             "studies)");
  std::vector<Candidate> out;
  for (const auto& run : study.runs(scale, 1, sets)) {
    const bool seen = std::any_of(out.begin(), out.end(),
                                  [&](const Candidate& c) { return c.name == run.method; });
    if (!seen) out.push_back({run.method, run.config});
  }
  return out;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

/// The plain-words verdict with the paper's reason.
std::pair<std::string, std::string> verdict(const sb::models::ModelConfig& c,
                                            const sb::InitStats& s) {
  const double r = s.first_over_last, ln1 = s.ln_input_std.front();
  const std::string v = sb::init_verdict(r);
  const std::string growth =
      "gradient norm layer 1 / layer " + std::to_string(c.n_layers) + " = " + fmt("%.2f", r);
  if (v == "unstable") {
    std::string why = growth + ": gradients grow toward shallow layers";
    if (ln1 < 0.1)
      why += "; LN input std at layer 1 is " + fmt("%.3f", ln1) +
             " << 1, and LN scales gradients by 1/std(x) (Eq. 13). Scaled Embed or Embed LN "
             "fixes it (§3.2)";
    else
      why += " (layer-1 LN input std " + fmt("%.3f", ln1) + " is not small: another cause)";
    return {"unstable", why};
  }
  if (v == "stable")
    return {"stable", growth + ", LN input std at layer 1 " + fmt("%.3f", ln1) +
                          ": no LN-driven gradient growth (§3.2)"};
  return {"borderline", growth +
                            " lies between fig3's stable (<= 1.3) and unstable (>= 2) "
                            "ranges"};
}

/// Every configuration TARGET names, parsed and validated before any model is built; --size
/// replaces the size and drops explicit dimensions.
std::vector<std::pair<std::string, sb::models::ModelConfig>> configs(
    const std::string& target, const std::string& scale, const std::vector<std::string>& sets,
    const std::string& size) {
  std::vector<std::pair<std::string, sb::models::ModelConfig>> out;
  for (const auto& c : candidates(target, scale, sets))
    out.emplace_back(c.name, sb::model_config_at(c.keys, size, target + ": " + c.name));
  return out;
}

/// One configuration's measurement and verdict.
struct Diagnosis {
  std::string name;
  sb::models::ModelConfig config;
  int64_t seq_len = 0;
  sb::InitStats s;
  std::string verdict, why;
};

Diagnosis diagnose(const std::string& name, const sb::models::ModelConfig& config, int64_t seq_len,
                   int64_t seed, const fs::path& dir) {
  Diagnosis d;
  d.name = name, d.config = config, d.seq_len = std::min(seq_len, config.max_len);
  torch::manual_seed(static_cast<uint64_t>(seed));
  sb::models::DecoderLM model(config);
  const auto tokens = sb::c4_token_block(dir, 1, d.seq_len, 0, config.vocab);
  d.s = sb::measure_init(model, tokens, /*backward=*/true);
  std::tie(d.verdict, d.why) = verdict(config, d.s);
  return d;
}

json to_json(const Diagnosis& d) {
  const auto& s = d.s;
  return {{"config", d.name},
          {"n_layers", d.config.n_layers},
          {"d", d.config.d},
          {"init", d.config.init},
          {"stabilizers", d.config.stabilizers},
          {"seq_len", d.seq_len},
          {"first_over_last", s.first_over_last},
          {"lambda_gradient", s.lambda_gradient},
          {"lambda_activation", s.lambda_activation},
          {"ln_input_std_layer1", s.ln_input_std.front()},
          {"grad_norms", s.grad_norms},
          {"ln_input_std", s.ln_input_std},
          {"ffn_out_std", s.ffn_out_std},
          {"attn_out_std", s.attn_out_std},
          {"theory_ffn_std", s.theory_ffn_std},
          {"theory_attn_std_bound", s.theory_attn_std_bound},
          {"verdict", d.verdict},
          {"reason", d.why}};
}

void print_header() {
  std::printf("%-16s %-8s %-10s %6s %7s %7s %8s %17s %19s  verdict\n", "config", "size", "init",
              "g1/gN", "λ_grad", "λ_act", "LN1 std", "FFN std (Eq.8/9)", "Attn std (Eq.10/11)");
}

void print(const Diagnosis& d, bool layers) {
  const auto& s = d.s;
  const double ffn = std::accumulate(s.ffn_out_std.begin(), s.ffn_out_std.end(), 0.0) /
                     static_cast<double>(s.ffn_out_std.size());
  const double attn = *std::max_element(s.attn_out_std.begin(), s.attn_out_std.end());
  std::printf("%-16s %-8s %-10s %6.2f %7.4f %7.4f %8.4f %8.4f (%6.4f) %8.4f (<%6.4f)  %s\n",
              d.name.c_str(),
              (std::to_string(d.config.n_layers) + "x" + std::to_string(d.config.d)).c_str(),
              d.config.init.c_str(), s.first_over_last, s.lambda_gradient, s.lambda_activation,
              s.ln_input_std.front(), ffn, s.theory_ffn_std, attn, s.theory_attn_std_bound,
              d.verdict.c_str());
  std::printf("  %s\n", d.why.c_str());
  if (layers)
    for (size_t i = 0; i < s.grad_norms.size(); ++i)
      std::printf(
          "  layer %2zu: grad norm %.4e, LN input std %.4f / %.4f, FFN std %.4f, "
          "Attn std %.4f\n",
          i + 1, s.grad_norms[i], s.ln_input_std[2 * i], s.ln_input_std[2 * i + 1],
          s.ffn_out_std[i], s.attn_out_std[i]);
}

int run_diagnose(const std::vector<std::string>& args) {
  po::options_description options("diagnose options");
  std::string target, size, scale, data_dir;
  std::vector<std::string> sets;
  int64_t seq_len = 512, seed = 0;
  bool layers = false, as_json = false;
  options.add_options()("target", po::value(&target)->required(),
                        "artifact, STUDY.yaml or model-keys YAML")(
      "size", po::value(&size), "model flavor to measure at (350m = the paper's dimensions)")(
      "scale", po::value(&scale)->default_value("cpu"), "the study's scale (cpu, gpu, paper)")(
      "set", po::value(&sets)->composing(), "KEY=VALUE override of a model key (repeatable)")(
      "seq-len", po::value(&seq_len)->default_value(512), "tokens of the measured C4 block")(
      "seed", po::value(&seed)->default_value(0), "torch seed of the initialization")(
      "data-dir", po::value(&data_dir), "data folder (default: $SPIKEBENCH_DATA_DIR)")(
      "layers", po::bool_switch(&layers), "print the per-layer numbers")(
      "json", po::bool_switch(&as_json), "print one JSON array instead of text");
  if (!sb::cli::parse("diagnose", kUsage, options, {{"target", 1}}, args)) return 0;
  if (seq_len < 2) sb::fail("spikebench diagnose: --seq-len must be >= 2");
  const auto dir = sb::resolve_data_dir(data_dir);
  const auto all = configs(target, scale, sets, size);
  json report = json::array();
  bool any_unstable = false;
  if (!as_json) print_header();
  for (const auto& [name, config] : all) {
    const Diagnosis d = diagnose(name, config, seq_len, seed, dir);
    any_unstable |= d.verdict == "unstable";
    report.push_back(to_json(d));
    if (!as_json) print(d, layers);
  }
  if (as_json) std::printf("%s\n", report.dump().c_str());
  return any_unstable ? 2 : 0;
}

}  // namespace

SPIKEBENCH_COMMAND("diagnose", &run_diagnose);
