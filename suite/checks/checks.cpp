#include "suite/checks/checks.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>

#include "core/error.h"
#include "core/source_dir.h"
#include "stats/stats.h"
#include "suite/checks/lr_sensitivity.h"
#include "suite/machine.h"

namespace spikebench::checks {
namespace {

namespace fs = std::filesystem;
using results::Group;

/// Holm–Bonferroni over each family of paired claims (the artifact's, or a named one): the m
/// claims and their m reverses are one family of 2m one-sided hypotheses, so the chance of any
/// wrong verdict — a pass or a fail — within the family is at most alpha (a claim and its
/// reverse adjusted apart would allow up to 2 alpha).
void adjust_family(std::vector<Result>& results) {
  std::map<std::string, std::vector<size_t>> families;
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& pr = results[i].paired;
    if (!pr || !pr->in_family || std::isnan(pr->p_value) || results[i].verdict != Verdict::skip)
      continue;
    families[pr->family].push_back(i);
  }
  for (const auto& [name, members] : families) {
    std::vector<double> p;  // the claims, then their reverses
    for (size_t i : members) p.push_back(results[i].paired->p_value);
    for (size_t i : members) p.push_back(results[i].paired->p_opposite);
    const auto adj = stats::holm(p);
    for (size_t j = 0; j < members.size(); ++j) {
      auto& pr = *results[members[j]].paired;
      pr.p_adjusted = adj[j], pr.p_opposite_adjusted = adj[members.size() + j];
      pr.family_size = static_cast<int64_t>(members.size());
    }
  }
}

void write(Group& g, const Check& c, const Result& r) {
  g.attrs = {{"kind", c.kind()},
             {"expected", r.expected},
             {"actual", r.actual},
             {"tolerance", r.tolerance},
             {"statistic", r.statistic},
             {"verdict", to_string(r.verdict)},
             {"reason", r.reason + (c.why().empty() ? "" : " — " + c.why())}};
  if (!c.why().empty()) g.attrs["why"] = c.why();
  if (!c.quote().empty()) g.attrs["quote"] = join(c.quote(), " […] ");
  if (!c.extends().empty()) g.attrs["extends"] = c.extends();
  if (!r.paired) return;
  const auto& p = *r.paired;
  g.attrs["test"] = p.test;
  g.attrs["test_method"] = p.method;
  g.attrs["n_pairs"] = p.n_pairs;
  g.attrs["wins"] = p.wins, g.attrs["losses"] = p.losses, g.attrs["ties"] = p.ties;
  g.attrs["excluded"] = p.excluded, g.attrs["diverged"] = p.diverged;
  g.attrs["p_value"] = p.p_value, g.attrs["p_opposite"] = p.p_opposite;
  g.attrs["p_adjusted"] = p.p_adjusted, g.attrs["p_opposite_adjusted"] = p.p_opposite_adjusted;
  g.attrs["family_size"] = p.family_size;
  g.attrs["effect"] = p.effect, g.attrs["effect_lo"] = p.effect_lo,
  g.attrs["effect_hi"] = p.effect_hi;
  g.attrs["effect_n"] = p.effect_n;
  g.attrs["effect_sd"] = p.effect_sd;
  g.attrs["hl"] = p.hl, g.attrs["hl_lo"] = p.hl_lo, g.attrs["hl_hi"] = p.hl_hi;
  g.attrs["min_attainable_p"] = p.min_attainable_p;
  g.attrs["min_attainable_p_adjusted"] = p.min_attainable_p_adjusted;
  g.attrs["mde"] = p.mde;
  g.attrs["evidence"] = p.evidence;
  g.attrs["alpha"] = p.alpha;
  if (std::isnan(p.margin)) return;
  g.attrs["margin"] = p.margin, g.attrs["margin_scale"] = p.margin_scale;
  if (!std::isnan(p.ratio_margin)) g.attrs["ratio_margin"] = p.ratio_margin;
  g.attrs["p_tost_lower"] = p.p_tost_lower, g.attrs["p_tost_upper"] = p.p_tost_upper;
  g.attrs["p_below"] = p.p_below, g.attrs["p_above"] = p.p_above;
  g.attrs["inside_margin"] = p.inside;
}

void write_golden(const fs::path& path, const Group& root, const config::GoldenFile& golden) {
  const std::string header = "Golden values for " + root.attr_string("artifact") + " at scale " +
                             root.attr_string("scale") +
                             ", written by `spikebench run|check --update-golden` from the "
                             "results of " +
                             root.attr_string("git_sha") + " (" + root.attr_string("libtorch") +
                             ", " + root.attr_string("device") +
                             "). Change only deliberately, in a commit that says why.";
  config::write_golden_file(path, header, golden);
}

/// Replaces only the `verdicts:` block at the end of a golden file (its comments, machine
/// record and values stay byte for byte), noting where the new verdicts came from.
void rewrite_verdicts(const fs::path& path, const Group& root,
                      const std::map<std::string, Verdict>& verdicts) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = text.rfind("\nverdicts:\n");
  if (at == std::string::npos) fail(path.string(), ": no 'verdicts:' block to rewrite");
  std::string out = text.substr(0, at + 1);
  out += "# Verdicts rewritten by `spikebench check --update-verdicts` from the results of " +
         root.attr_string("git_sha") + " (values above unchanged).\nverdicts:\n";
  for (const auto& [name, verdict] : verdicts) out += "  " + name + ": " + to_string(verdict) + "\n";
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp);
    f << out;
    if (!f) fail(tmp.string(), ": cannot write the golden file");
  }
  fs::rename(tmp, path);
}

}  // namespace

void validate(const CheckList& checks, const std::vector<RunAttrs>& planned) {
  for (const auto& c : checks) c->validate_plan(planned);
}

fs::path machine_golden_file(const fs::path& baselines_dir, const std::string& scale,
                             const std::string& artifact, const Group& root) {
  const auto attr = [&](const char* key) {
    return root.has_attr(key) ? root.attr_string(key) : std::string("unknown");
  };
  return baselines_dir / scale /
         (artifact + "." + attr("cpu_vendor") + "." + attr("cpu_isa") + ".yaml");
}

fs::path golden_file(const fs::path& baselines_dir, const std::string& scale,
                     const std::string& artifact, const Group& root) {
  const fs::path machine = machine_golden_file(baselines_dir, scale, artifact, root);
  if (fs::exists(machine)) return machine;
  return baselines_dir / scale / (artifact + ".yaml");
}

fs::path default_baselines_dir() {
  if (const char* env = std::getenv("SPIKEBENCH_BASELINES"); env && *env) return env;
  return fs::path(source_dir()) / "baselines";
}

std::vector<Outcome> evaluate(Group& root, const CheckList& checks, const Options& o) {
  const std::string artifact = root.has_attr("artifact") ? root.attr_string("artifact") : "study";
  const std::string scale = root.has_attr("scale") ? root.attr_string("scale") : "cpu";
  write_lr_sensitivity(root);
  const fs::path golden_path = o.machine_golden
                                   ? machine_golden_file(o.baselines_dir, scale, artifact, root)
                                   : golden_file(o.baselines_dir, scale, artifact, root);
  Context ctx{root, o, golden_path, config::read_golden_file(golden_path), {}};
  std::vector<Result> results;
  for (const auto& c : checks) results.push_back(c->evaluate(ctx));
  adjust_family(results);
  for (auto& r : results) decide(r);

  root.groups.erase("checks");
  Group& out = root.group("checks");
  std::vector<Outcome> outcomes;
  std::map<std::string, Verdict> claim_verdicts;
  for (size_t i = 0; i < checks.size(); ++i) {
    write(out.group(checks[i]->name()), *checks[i], results[i]);
    outcomes.push_back({checks[i]->name(), checks[i]->kind(), results[i].verdict,
                        out.group(checks[i]->name()).attr_string("reason")});
    if (checks[i]->is_claim()) claim_verdicts[checks[i]->name()] = results[i].verdict;
  }
  // The claim verdicts are themselves regression-gated against the golden file.
  if (ctx.golden.has_verdicts && !o.update_golden && !o.update_verdicts) {
    std::vector<std::string> changed;
    for (const auto& [name, verdict] : claim_verdicts) {
      const auto want = ctx.golden.verdicts.find(name);
      if (want != ctx.golden.verdicts.end() && want->second != to_string(verdict))
        changed.push_back(name + ": " + to_string(verdict) + " (golden " + want->second + ")");
    }
    const Verdict v = changed.empty() ? Verdict::pass : Verdict::fail;
    const std::string reason =
        changed.empty() ? "every claim verdict equals the golden file" : join(changed, "; ");
    out.group("golden_verdicts").attrs = {
        {"kind", std::string("golden_verdicts")},
        {"expected", ctx.golden_path.string()},
        {"actual", std::to_string(claim_verdicts.size()) + " verdicts"},
        {"tolerance", std::string("exact")},
        {"statistic", std::string("claim verdicts")},
        {"verdict", to_string(v)},
        {"reason", reason}};
    outcomes.push_back({"golden_verdicts", "golden_verdicts", v, reason});
  }
  if (o.update_verdicts && !o.update_golden && ctx.golden.present)
    rewrite_verdicts(ctx.golden_path, root, claim_verdicts);
  if (o.update_golden) {
    config::GoldenFile golden;  // the machine it was written on first (suite/machine.h)
    for (const auto& key : machine_keys())
      if (root.has_attr(key)) golden.machine.emplace_back(key, root.attr_string(key));
    golden.values = ctx.new_golden;
    for (const auto& [name, verdict] : claim_verdicts) golden.verdicts[name] = to_string(verdict);
    write_golden(ctx.golden_path, root, golden);
  }
  return outcomes;
}

}  // namespace spikebench::checks
