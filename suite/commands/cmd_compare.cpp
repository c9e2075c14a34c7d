// `spikebench compare STUDY --baseline vanilla,scaled_embed`: runs a study (or reads its results
// with --results) and writes one page a researcher can paste from: per method the LR
// sensitivity with its per-seed spread, spike scores, divergences, the final validation loss
// at each lr with a 95% bootstrap interval, the paired Wilcoxon tests against each baseline
// (Holm within families; suite/checks/comparison.h), the init-time verdict of `diagnose`, and the
// lr-vs-loss figure. Output: <out>/compare-<study>-<scale>/{compare.md, compare.json,
// index.html, lr_loss.png, lr_loss.svg}; the page is rendered by scripts/compare_page.py.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/data_dir.h"
#include "core/error.h"
#include "suite/checks/checks.h"
#include "suite/checks/comparison.h"
#include "cli/command.h"
#include "suite/commands/run_options.h"
#include "suite/data/text_tokens.h"
#include "suite/diagnose/init_stability.h"
#include "suite/model_config.h"
#include "suite/report/report.h"
#include "suite/results/store.h"

namespace spikebench::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* kUsage =
    "STUDY.yaml|ARTIFACT [--baseline vanilla,scaled_embed] [--results FILE] [--scale cpu]\n"
    "       [--seeds N] [--jobs N] [--out DIR] [--data-dir DIR] [--set KEY=VALUE]...\n"
    "Runs the study (like `spikebench run`; or reads FILE, its results) and writes\n"
    "OUT/compare-<study>-<scale>/: compare.md (paste-able tables), compare.json, index.html and\n"
    "lr_loss.png. Per method: LR sensitivity (Wortsman et al. 2023) with per-seed spread, spike\n"
    "scores, divergences, final validation loss per lr with a 95% bootstrap CI, the init-time\n"
    "verdict of `spikebench diagnose`, and two-sided Wilcoxon signed-rank tests over paired seeds\n"
    "against each baseline, Holm-adjusted per (baseline, metric, lr); the sign of a decided test\n"
    "names it lower / higher, else inconclusive (at 0.05).";

std::string g4(double x) {
  if (std::isnan(x)) return "–";
  if (std::isinf(x)) return x > 0 ? "∞" : "−∞";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

std::string p3(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, p < 0.001 ? "%.1e" : "%.3f", p);
  return buf;
}

json nan_null(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

/// diagnose's measurement for each method's configuration (its first run at this scale).
json init_verdicts(const Study& study, const RunOptions& o) {
  json out = json::object();
  if (study.runner != "train_lm") return out;
  const auto dir = resolve_data_dir(o.data_dir);
  for (const auto& run : study.runs(o.scale, 1, o.sets)) {
    if (out.contains(run.method)) continue;
    const auto config = model_config(run.config.reader(study.source));
    torch::manual_seed(static_cast<uint64_t>(run.seed));
    models::DecoderLM model(config);
    const int64_t T = std::min<int64_t>(512, config.max_len);
    const auto s = measure_init(model, c4_token_block(dir, 1, T, 0, config.vocab), true);
    const std::string v = init_verdict(s.first_over_last);
    out[run.method] = {{"first_over_last", s.first_over_last},
                       {"ln_input_std_layer1", s.ln_input_std.front()},
                       {"verdict", v}};
  }
  return out;
}

json to_json(const checks::Comparison& c, const json& init) {
  json j = {{"size", c.size}, {"lrs", c.lrs}, {"alpha", c.alpha}};
  for (const auto& m : c.methods) {
    json loss = json::array();
    for (const auto& [lr, ci] : m.final_loss_ci)
      loss.push_back({{"lr", lr},
                      {"n", m.final_loss.at(lr).size()},
                      {"mean", ci.mean},
                      {"lo", ci.lo},
                      {"hi", ci.hi},
                      {"values", m.final_loss.at(lr)},
                      {"diverged", m.diverged_at.count(lr) ? m.diverged_at.at(lr) : 0}});
    j["methods"].push_back({{"method", m.method},
                            {"runs", m.runs},
                            {"seeds", m.seeds},
                            {"diverged", m.diverged},
                            {"lr_sensitivity", m.sensitivity},
                            {"lr_sensitivity_mean", nan_null(m.sensitivity_mean)},
                            {"loss_spike_score", nan_null(m.loss_spike_score)},
                            {"grad_spike_score", nan_null(m.grad_spike_score)},
                            {"final_loss", loss},
                            {"init", init.contains(m.method) ? init[m.method] : json(nullptr)}});
  }
  j["tests"] = json::array();
  for (const auto& t : c.tests)
    j["tests"].push_back({{"method", t.method},
                          {"baseline", t.baseline},
                          {"metric", t.metric},
                          {"lr", nan_null(t.lr)},
                          {"n", t.n},
                          {"mean_diff", nan_null(t.mean_diff)},
                          {"p_lower", t.p_lower},
                          {"p_higher", t.p_higher},
                          {"p_two_sided", t.p_two_sided},
                          {"p_adjusted", t.p_adjusted},
                          {"verdict", t.verdict}});
  return j;
}

std::string markdown(const Study& study, const std::string& scale, const checks::Comparison& c,
                     const json& init) {
  std::ostringstream md;
  md << "# " << study.name << " (" << scale << " scale, size " << c.size << "): compare\n\n";
  md << "| method | seeds | LR sensitivity mean [min, max] | loss spike score | grad spike "
        "score | diverged | init (g1/gN) |\n|---|---|---|---|---|---|---|\n";
  for (const auto& m : c.methods) {
    std::string spread = "–";
    if (!m.sensitivity.empty()) {
      const auto [lo, hi] = std::minmax_element(m.sensitivity.begin(), m.sensitivity.end());
      spread = g4(m.sensitivity_mean) + " [" + g4(*lo) + ", " + g4(*hi) + "]";
    }
    std::string iv = "–";
    if (init.contains(m.method))
      iv = init[m.method]["verdict"].get<std::string>() + " (" +
           g4(init[m.method]["first_over_last"].get<double>()) + ")";
    md << "| " << m.method << " | " << m.seeds << " | " << spread << " | " << g4(m.loss_spike_score)
       << " | " << g4(m.grad_spike_score) << " | " << m.diverged << "/" << m.runs << " | " << iv
       << " |\n";
  }
  md << "\nFinal validation loss, mean [95% bootstrap CI] over seeds (diverged runs excluded and "
        "counted):\n\n| method |";
  for (double lr : c.lrs) md << " lr " << g4(lr) << " |";
  md << "\n|---|";
  for (size_t i = 0; i < c.lrs.size(); ++i) md << "---|";
  md << "\n";
  for (const auto& m : c.methods) {
    md << "| " << m.method << " |";
    for (double lr : c.lrs) {
      const auto it = m.final_loss_ci.find(lr);
      const int64_t div = m.diverged_at.count(lr) ? m.diverged_at.at(lr) : 0;
      md << " "
         << (it == m.final_loss_ci.end()
                 ? std::string("–")
                 : g4(it->second.mean) + " [" + g4(it->second.lo) + ", " + g4(it->second.hi) + "]")
         << (div ? " (" + std::to_string(div) + " diverged)" : "") << " |";
    }
    md << "\n";
  }
  md << "\nPaired two-sided Wilcoxon signed-rank tests over seeds (method − baseline; a "
        "diverged run ranks worst), Holm-adjusted within each family (one baseline, one metric at "
        "one lr):"
        "\n\n"
     << "| method | baseline | metric | n | mean diff | p | Holm p | verdict |\n"
        "|---|---|---|---|---|---|---|---|\n";
  for (const auto& t : c.tests)
    md << "| " << t.method << " | " << t.baseline << " | "
       << (t.metric == "lr_sensitivity" ? "LR sensitivity" : "final loss @ lr " + g4(t.lr)) << " | "
       << t.n << " | " << g4(t.mean_diff) << " | " << p3(t.p_two_sided) << " | " << p3(t.p_adjusted)
       << " | " << t.verdict << " |\n";
  md << "\nlower = the method's value is lower than the baseline's (better: lower loss, lower "
        "LR sensitivity); higher = worse; inconclusive = Holm p > "
     << c.alpha << ".\n";
  return md.str();
}

int run(const std::vector<std::string>& args) {
  po::options_description opts("compare options");
  std::string study_name, baseline, results_file;
  RunFlags flags;
  opts.add_options()("study", po::value(&study_name)->required(), "STUDY.yaml or artifact")(
      "baseline", po::value(&baseline)->default_value("vanilla,scaled_embed"),
      "comma-separated baseline methods of the study")("results", po::value(&results_file),
                                                       "read this results file instead of running");
  add_run_options(opts, flags);
  if (!parse("compare", kUsage, opts, {{"study", 1}}, args)) return 0;
  const Study study = find_study(study_name);
  if (study.runner != "train_lm")
    fail(study.source, ": compare needs a train_lm study (runner is '", study.runner, "')");
  RunOptions o = run_options(flags, args, "compare");
  const std::vector<std::string> order = study.method_names();
  const auto baselines = split(baseline, ',');
  for (const auto& b : baselines)  // before anything runs
    if (std::find(order.begin(), order.end(), b) == order.end())
      fail("compare: --baseline '", b, "' is not a method of ", study.source,
           " (methods: ", join(order, ", "), ")");
  fs::path file = results_file;
  if (file.empty()) {
    const RunReport r = run_study(study, o);
    if (!r.writer) return 0;
    if (r.skipped) fail(study.name, ": scale ", o.scale, " skipped: ", r.skip_reason);
    file = r.file;
  }
  const results::Group root = results::load(file);
  const auto comparison = checks::compare_methods(root, baselines, order);
  std::fprintf(stderr, "compare: init-time diagnosis of %zu methods\n", order.size());
  const json init = init_verdicts(study, o);
  const fs::path dir = o.out_dir / ("compare-" + study.name + "-" + o.scale);
  fs::create_directories(dir);
  json j = to_json(comparison, init);
  j["study"] = study.name;
  j["scale"] = o.scale;
  j["results"] = fs::absolute(file).lexically_normal().string();
  j["baselines"] = baselines;
  const std::string md = markdown(study, o.scale, comparison, init);
  std::ofstream(dir / "compare.json") << j.dump(1) << "\n";
  std::ofstream(dir / "compare.md") << md;
  report::run_script("compare_page.py", {dir.string()});
  std::printf("%s\npage: %s\n", md.c_str(), (dir / "index.html").c_str());
  return 0;
}

SPIKEBENCH_COMMAND("compare", run);

}  // namespace
}  // namespace spikebench::cli
