#include "suite/prereg.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "core/error.h"
#include "datasets/sha256.h"
#include "models/setting.h"
#include "suite/checks/check.h"
#include "suite/config/yaml.h"
#include "suite/engine/intervention.h"
#include "suite/runner.h"

namespace spikebench::prereg {
namespace {

namespace fs = std::filesystem;

/// `n` with every map's keys in sorted order (recursively): the canonical form that is hashed,
/// so reordering keys in a YAML file does not change a design.
YAML::Node canonical(const YAML::Node& n) {
  if (n.IsMap()) {
    std::map<std::string, YAML::Node> sorted;
    for (const auto& kv : n) sorted[kv.first.as<std::string>()] = kv.second;
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& [k, v] : sorted) out[k] = canonical(v);
    return out;
  }
  if (n.IsSequence()) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& v : n) out.push_back(canonical(v));
    return out;
  }
  return YAML::Clone(n);
}

std::string text_of(const YAML::Node& n) {
  YAML::Emitter e;
  e << n;
  return e.c_str();
}

/// Whether two YAML values are equal: scalars as numbers when both are numbers (10 = 10.0),
/// else as canonical text.
bool same_value(const YAML::Node& a, const YAML::Node& b) {
  if (a.IsScalar() && b.IsScalar()) {
    try {
      return a.as<double>() == b.as<double>();
    } catch (const YAML::Exception&) {
      return a.as<std::string>() == b.as<std::string>();
    }
  }
  return text_of(canonical(a)) == text_of(canonical(b));
}

/// A run's config as the design hash sees it: each group of the runner's off keys
/// (Runner::off_yaml: a map, or a list of maps) left out when every key of the group is off, and
/// each component or intervention setting declared omit_at_default left out while at its
/// default, so a feature added after a record was written, and not used, leaves that record's
/// hash as it was; using it (any key of its group on) changes the design.
YAML::Node design_config(const YAML::Node& config, const char* off_yaml) {
  YAML::Node c = canonical(config);
  for (const auto& d : engine::run_settings())
    if (const auto& s = d.setting;
        s.omit_at_default && c[s.key] && same_value(c[s.key], YAML::Load(s.default_yaml)))
      c.remove(s.key);
  if (!off_yaml) return c;
  const YAML::Node off = YAML::Load(off_yaml);
  std::vector<YAML::Node> groups;
  if (off.IsSequence())
    for (const auto& g : off) groups.push_back(g);
  else
    groups.push_back(off);
  for (const auto& group : groups) {
    const bool all_off = std::all_of(group.begin(), group.end(), [&](const auto& kv) {
      const auto key = kv.first.template as<std::string>();
      return c[key] && same_value(c[key], kv.second);
    });
    if (all_off)
      for (const auto& kv : group) c.remove(kv.first.as<std::string>());
  }
  return c;
}

/// Differences between two canonical claim lists, by claim name and key.
std::vector<std::string> claim_changes(const YAML::Node& was, const YAML::Node& now) {
  std::map<std::string, YAML::Node> a, b;
  for (const YAML::Node& c : was) a[c["name"].as<std::string>()] = c;
  for (const YAML::Node& c : now) b[c["name"].as<std::string>()] = c;
  std::vector<std::string> out;
  for (const auto& [name, c] : a) {
    if (!b.count(name)) {
      out.push_back("claim '" + name + "' removed");
      continue;
    }
    std::set<std::string> keys;
    for (const auto& kv : c) keys.insert(kv.first.as<std::string>());
    for (const auto& kv : b[name]) keys.insert(kv.first.as<std::string>());
    for (const auto& k : keys) {
      const auto x = c[k] ? config::flow(c[k]) : "(absent)";
      const auto y = b[name][k] ? config::flow(b[name][k]) : "(absent)";
      if (x != y) out.push_back("claim '" + name + "': " + k + " " + x + " -> " + y);
    }
  }
  for (const auto& [name, c] : b)
    if (!a.count(name)) out.push_back("claim '" + name + "' added");
  return out;
}

std::vector<std::string> grid_changes(const YAML::Node& was, const YAML::Node& now) {
  std::vector<std::string> out;
  for (const char* k : {"methods", "sizes", "lrs", "seeds", "runs", "config_sha256"}) {
    const auto x = was[k] ? config::flow(was[k]) : "(absent)";
    const auto y = now[k] ? config::flow(now[k]) : "(absent)";
    if (x != y)
      out.push_back(std::string("grid.") + k +
                    (std::string(k) == "config_sha256" ? " (a run's resolved config changed)"
                                                       : " " + x + " -> " + y));
  }
  return out;
}

fs::path attempts_path(const fs::path& dir, const std::string& study, const std::string& scale) {
  return dir / "prereg" / (study + "-" + scale + ".attempts");
}

}  // namespace

std::vector<SeedRange> pilot_seeds(const fs::path& baselines_dir) {
  const fs::path p = baselines_dir / "prereg" / "pilot-seeds.yaml";
  std::vector<SeedRange> out;
  if (!fs::exists(p)) return out;
  const auto y = config::load_file(p);
  if (!y["pilots"] || !y["pilots"].IsSequence())
    fail(p.string(), ": key 'pilots' must be a sequence of {first, last, what}");
  for (size_t i = 0; i < y["pilots"].size(); ++i) {
    const auto& e = y["pilots"][i];
    const std::string where = p.string() + ": pilots[" + std::to_string(i) + "]";
    SeedRange r{config::get<int64_t>(e, "first", where), config::get<int64_t>(e, "last", where),
                config::get<std::string>(e, "what", where)};
    if (r.last < r.first) fail(where, ": key 'last' is below 'first'");
    out.push_back(r);
  }
  return out;
}

Design design_of(const Study& study, const std::string& scale, const std::vector<RunSpec>& runs) {
  Design d;
  d.claims = YAML::Node(YAML::NodeType::Sequence);
  const YAML::Node expectations = study.expectations(scale).node();
  const auto& parsed = study.checks(scale);  // in the order of `expectations`
  for (size_t i = 0; i < parsed.size(); ++i)
    if (parsed[i]->is_claim()) {
      // The paper's words a claim cites (`quote`, `extends`) document it; they do not decide
      // its verdict, so quoting the paper after the registration keeps the design.
      auto c = canonical(expectations[i]);
      c.remove("quote");
      c.remove("extends");
      d.claims.push_back(c);
    }
  std::set<std::string> methods, sizes;
  std::set<double> lrs;
  std::set<int64_t> seeds;
  datasets::Sha256 configs;
  const char* off = Registry<Runner>::instance().get(study.runner).off_yaml;
  for (const auto& r : runs) {
    methods.insert(r.method), sizes.insert(r.size), seeds.insert(r.seed);
    if (!std::isnan(r.lr)) lrs.insert(r.lr);
    configs.update(r.name + "\n" + text_of(design_config(r.config.node(), off)) + "\n");
  }
  d.grid["methods"] = std::vector<std::string>(methods.begin(), methods.end());
  d.grid["sizes"] = std::vector<std::string>(sizes.begin(), sizes.end());
  d.grid["lrs"] = std::vector<double>(lrs.begin(), lrs.end());
  d.grid["seeds"] = std::vector<int64_t>(seeds.begin(), seeds.end());
  d.grid["runs"] = static_cast<int64_t>(runs.size());
  d.grid["config_sha256"] = configs.hex_digest();
  YAML::Node both;
  both["claims"] = d.claims;
  both["grid"] = d.grid;
  d.hash = datasets::sha256_hex(text_of(both));
  return d;
}

fs::path record_path(const fs::path& dir, const std::string& study, const std::string& scale) {
  return dir / "prereg" / (study + "-" + scale + ".yaml");
}

void check_pilot_overlap(const std::vector<RunSpec>& runs, const std::vector<SeedRange>& pilots,
                         const std::string& where) {
  for (const auto& r : runs)
    for (const auto& p : pilots)
      if (r.seed >= p.first && r.seed <= p.last)
        fail(where, ": key 'grid.seeds': seed ", r.seed, " (run ", r.name, ") is a pilot seed (",
             p.first, "-", p.last, ", ", p.what,
             "); a confirmatory grid needs fresh seeds (grid.first_seed)");
}

fs::path write_record(const fs::path& dir, const Study& study, const std::string& scale,
                      const std::vector<RunSpec>& runs, const std::string& rerun_rule,
                      const std::string& git_sha, const std::string& time, bool force) {
  check_pilot_overlap(runs, pilot_seeds(dir), study.source + ": scale " + scale);
  if (rerun_rule.empty())
    fail(
        "preregister: --rerun-rule is required (when a second confirmatory attempt is allowed, "
        "e.g. 'none' or 'only if a run failed for a reason outside the method')");
  const fs::path path = record_path(dir, study.name, scale);
  if (fs::exists(path) && !force)
    fail("preregister: '", path.string(),
         "' exists; a new pre-registration replaces it only with --force (commit it on its own)");
  const Design d = design_of(study, scale, runs);
  YAML::Node rec;
  rec["study"] = study.name;
  rec["scale"] = scale;
  rec["hash"] = d.hash;
  rec["written"] = time;
  rec["git_sha"] = git_sha;
  rec["rerun_rule"] = rerun_rule;
  rec["claims"] = d.claims;
  rec["grid"] = d.grid;
  fs::create_directories(path.parent_path());
  std::ofstream f(path);
  f << "# Pre-registration of " << study.name << " at scale " << scale
    << ", written by `spikebench preregister` before its confirmatory runs. A confirmatory run\n"
       "# (`spikebench run --confirmatory`) refuses a design whose claims or grid differ from "
       "this record.\n"
    << text_of(rec) << "\n";
  if (!f) fail(path.string(), ": cannot write the pre-registration record");
  return path;
}

std::string Status::summary() const {
  switch (state) {
    case State::none:
      return "none";
    case State::matches:
      return "matches " + hash;
    case State::differs:
      return "differs from " + hash + ": " + detail;
  }
  return "none";
}

Status status(const fs::path& dir, const Study& study, const std::string& scale,
              const std::vector<RunSpec>& runs) {
  Status s;
  const fs::path path = record_path(dir, study.name, scale);
  if (!fs::exists(path)) return s;
  const auto rec = config::load_file(path);
  const std::string where = path.string();
  s.hash = config::get<std::string>(rec, "hash", where);
  s.rerun_rule = config::get<std::string>(rec, "rerun_rule", where);
  const Design now = design_of(study, scale, runs);
  if (now.hash == s.hash) {
    s.state = Status::State::matches;
    return s;
  }
  auto changes = claim_changes(rec["claims"], now.claims);
  for (auto& g : grid_changes(rec["grid"], now.grid)) changes.push_back(std::move(g));
  if (changes.empty()) changes.push_back("the record's text was edited (its hash does not match)");
  s.state = Status::State::differs;
  s.detail = join(changes, "; ");
  return s;
}

int log_attempt(const fs::path& dir, const Study& study, const std::string& scale,
                const std::vector<RunSpec>& runs, const Status& s, const std::string& git_sha,
                const std::string& time, const std::string& reason) {
  if (s.state != Status::State::matches)
    fail("--confirmatory: ", study.name, " at scale ", scale, " ",
         s.state == Status::State::none ? "has no pre-registration (spikebench preregister " +
                                              study.name + " --scale " + scale + ")"
                                        : "differs from its pre-registration: " + s.detail);
  check_pilot_overlap(runs, pilot_seeds(dir), study.source + ": scale " + scale);
  const fs::path path = attempts_path(dir, study.name, scale);
  int previous = 0;
  if (std::ifstream in(path); in)
    for (std::string line; std::getline(in, line);) previous += !line.empty() && line[0] != '#';
  if (previous > 0 && reason.empty())
    fail("--confirmatory: attempt ", previous + 1, " of ", study.name, " at scale ", scale,
         " needs --rerun-reason (the record's rule: '", s.rerun_rule,
         "'; earlier attempts: ", path.string(), ")");
  std::set<int64_t> seeds;
  for (const auto& r : runs) seeds.insert(r.seed);
  std::ofstream out(path, std::ios::app);
  if (previous == 0) out << "# attempt\ttime\tgit_sha\tprereg_hash\tseeds\treason (append-only)\n";
  out << previous + 1 << '\t' << time << '\t' << git_sha << '\t' << s.hash << '\t' << *seeds.begin()
      << "-" << *seeds.rbegin() << '\t' << (reason.empty() ? "first" : reason) << '\n';
  if (!out) fail(path.string(), ": cannot append the attempt");
  return previous + 1;
}

}  // namespace spikebench::prereg
