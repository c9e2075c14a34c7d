// Pre-registration (suite/prereg.h) through the binary, as a user meets it: the record, a
// claim changed after it, a grid on pilot seeds, and the append-only confirmatory attempts.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "core/source_dir.h"
#include "suite/prereg.h"
#include "suite/results/store.h"
#include "suite/study.h"

namespace fs = std::filesystem;

namespace {

struct Out {
  int code;
  std::string text;
};

Out sh(const std::string& env, const std::string& args) {
  const std::string cmd = env + " " + SPIKEBENCH_BIN + " " + args + " 2>&1";
  std::string text;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) text += buf;
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, text};
}

std::string study(const std::string& metric, int first_seed) {
  return "name: prereg-unit\nrunner: param_count\nmethods:\n  a: {n_layers: 2}\n  b: {n_layers: "
         "4}\n"
         "grid: {sizes: [cpu], seeds: 3, first_seed: " +
         std::to_string(first_seed) +
         "}\n"
         "scales:\n  cpu: {defaults: {build_up_to: 0}}\nexpectations:\n  cpu:\n"
         "    - {name: c, kind: compare, lower: {method: a}, higher: {method: b}, metric: '" +
         metric + "', test: sign}\n";
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

size_t lines(const fs::path& p) {
  std::ifstream in(p);
  size_t n = 0;
  for (std::string l; std::getline(in, l);) n += !l.empty() && l[0] != '#';
  return n;
}

}  // namespace

TEST_CASE("pre-registration: a changed claim is reported, a confirmatory run refuses it",
          "[cli][prereg]") {
  const fs::path dir =
      fs::temp_directory_path() / ("spikebench-prereg-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "baselines" / "prereg");
  const std::string env = "SPIKEBENCH_BASELINES='" + (dir / "baselines").string() + "'";
  const fs::path yaml = dir / "prereg-unit.yaml";
  write(yaml, study("@params", 0));
  auto r = sh(env, "preregister " + yaml.string() + " --rerun-rule none");
  INFO(r.text);
  REQUIRE(r.code == 0);
  const fs::path record = dir / "baselines" / "prereg" / "prereg-unit-cpu.yaml";
  REQUIRE(fs::exists(record));
  // A second record for the same design is refused without --force.
  CHECK(sh(env, "preregister " + yaml.string() + " --rerun-rule none").code == 1);

  SECTION("as registered: the results file says it matches; attempts are logged") {
    r = sh(env, "run " + yaml.string() + " --out " + (dir / "out").string() + " --confirmatory");
    INFO(r.text);
    REQUIRE(r.code == 0);
    const auto root = spikebench::results::load(dir / "out" / "prereg-unit-cpu.h5");
    CHECK(root.attr_string("prereg").rfind("matches ", 0) == 0);
    CHECK(root.attr_number("prereg_attempt") == 1);
    const fs::path attempts = dir / "baselines" / "prereg" / "prereg-unit-cpu.attempts";
    CHECK(lines(attempts) == 1);
    // A second attempt needs the reason the record's rule allows; then it is logged too.
    r = sh(env, "run " + yaml.string() + " --out " + (dir / "out2").string() + " --confirmatory");
    CHECK(r.code == 1);
    CHECK_THAT(r.text, Catch::Matchers::Contains("--rerun-reason"));
    CHECK(lines(attempts) == 1);
    r = sh(env, "run " + yaml.string() + " --out " + (dir / "out2").string() +
                    " --confirmatory --rerun-reason 'test: the rule allows it'");
    CHECK(r.code == 0);
    CHECK(lines(attempts) == 2);
  }
  SECTION("a claim's metric changed after the record: said, and refused as confirmatory") {
    write(yaml, study("@d", 0));
    r = sh(env,
           "run " + yaml.string() + " --out " + (dir / "out").string() + " --fail-on regressions");
    INFO(r.text);
    CHECK_THAT(r.text, Catch::Matchers::Contains("not as pre-registered") &&
                           Catch::Matchers::Contains("claim 'c': metric \"@params\" -> \"@d\""));
    const auto root = spikebench::results::load(dir / "out" / "prereg-unit-cpu.h5");
    CHECK(root.attr_string("prereg").rfind("differs from ", 0) == 0);
    r = sh(env, "run " + yaml.string() + " --out " + (dir / "conf").string() + " --confirmatory");
    CHECK(r.code == 1);
    CHECK_THAT(r.text, Catch::Matchers::Contains("differs from its pre-registration"));
    CHECK_FALSE(fs::exists(dir / "conf" / "prereg-unit-cpu.h5"));
  }
  SECTION("a grid on pilot seeds is an error naming the key") {
    write(dir / "baselines" / "prereg" / "pilot-seeds.yaml",
          "pilots:\n  - {first: 1000, last: 1999, what: a pilot}\n");
    write(yaml, study("@params", 1998));
    fs::remove(record);
    r = sh(env, "preregister " + yaml.string() + " --rerun-rule none");
    CHECK(r.code == 1);
    CHECK_THAT(r.text, Catch::Matchers::Contains("key 'grid.seeds'") &&
                           Catch::Matchers::Contains("seed 1998"));
    CHECK_FALSE(fs::exists(record));
  }
  fs::remove_all(dir);
}

TEST_CASE("every committed pre-registration record matches its artifact's current design",
          "[prereg]") {
  // A pre-registered artifact changed after its record is a new design: this fails until the
  // change is reverted or registered anew (`preregister --force`, in a commit that says why).
  const fs::path baselines = fs::path(spikebench::source_dir()) / "baselines";
  int records = 0;
  for (const auto& study : spikebench::artifacts())
    for (const auto& scale : study.scales()) {
      if (!fs::exists(spikebench::prereg::record_path(baselines, study.name, scale))) continue;
      const auto s = spikebench::prereg::status(baselines, study, scale, study.runs(scale, 0, {}));
      INFO(study.name << " at " << scale << ": " << s.summary());
      CHECK(s.state == spikebench::prereg::Status::State::matches);
      ++records;
    }
  CHECK(records >= 1);  // spikes-cpu
}

TEST_CASE("a runner's feature that is off leaves the design hash as it was before the feature",
          "[prereg]") {
  const auto study = spikebench::find_study("spikes");
  auto runs = [&] { return study.runs("cpu", 0, {}); };
  // A run's config with one edit (a config::Tree is a value: edit a clone, then assign it).
  auto edit = [](spikebench::RunSpec& r, const std::function<void(YAML::Node&)>& change) {
    YAML::Node c = YAML::Clone(r.config.node());
    change(c);
    r.config = spikebench::config::Tree(c);
  };
  auto hash = [&](const std::vector<spikebench::RunSpec>& r) {
    return spikebench::prereg::design_of(study, "cpu", r).hash;
  };
  const auto now = hash(runs());
  // A record written before train_lm had lr spikes and corrupted batches: the keys absent.
  auto before = runs();
  for (auto& r : before)
    edit(r, [](YAML::Node& c) {
      for (const char* k : {"lr_spike_steps", "lr_spike_factor", "corrupt_steps"}) c.remove(k);
    });
  CHECK(hash(before) == now);
  // Any of them on is a new design: an lr spike in one run, or a factor that would matter.
  auto spiked = runs();
  edit(spiked[0], [](YAML::Node& c) { c["lr_spike_steps"] = std::vector<int64_t>{50}; });
  CHECK(hash(spiked) != now);
  auto factor = runs();
  edit(factor[0], [](YAML::Node& c) { c["lr_spike_factor"] = 30.0; });
  CHECK(hash(factor) != now);
  auto same = runs();  // 10 written as an integer is the default 10.0
  edit(same[0], [](YAML::Node& c) { c["lr_spike_factor"] = 10; });
  CHECK(hash(same) == now);
  // The interventions and the embeddings' weight decay are groups of their own: absent (a record
  // from before them) is the design of today's off values, whatever the other groups do ...
  auto older = runs();
  for (auto& r : older)
    edit(r, [](YAML::Node& c) {
      for (const char* k : {"interventions", "decay_embeddings", "skip_step_sigma",
                            "skip_step_window", "zclip_alpha", "adagc_ratio", "spam_threshold"})
        c.remove(k);
    });
  CHECK(hash(older) == now);
  auto spiked_older = older;  // ... an lr spike on keeps the other groups out
  edit(spiked_older[0], [](YAML::Node& c) { c["lr_spike_steps"] = std::vector<int64_t>{50}; });
  CHECK(hash(spiked_older) == hash(spiked));
  // ... and using one is a new design.
  auto skipping = runs();
  edit(skipping[0],
       [](YAML::Node& c) { c["interventions"] = std::vector<std::string>{"skip_step"}; });
  CHECK(hash(skipping) != now);
  auto no_decay = runs();
  edit(no_decay[0], [](YAML::Node& c) { c["decay_embeddings"] = false; });
  CHECK(hash(no_decay) != now);
  auto sigma = runs();  // a setting away from its default is part of the design
  edit(sigma[0], [](YAML::Node& c) { c["skip_step_sigma"] = 3.0; });
  CHECK(hash(sigma) != now);
}
