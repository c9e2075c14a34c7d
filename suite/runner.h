#pragma once
// A runner executes one RunSpec and writes its measurements into the run's results group.
// Runners register by name (SPIKEBENCH_RUNNER) with a typed config: a struct with
//   static Config parse(const config::Reader&)   — every key, type and range, the key named;
//   std::string requirements(const Environment&) — why this machine cannot run it ("" = can);
//   Cost cost() const                            — training tokens and model FLOPs (the plan);
// and the YAML defaults that list every key it accepts (a misspelt key in a study is an error,
// not a silent default). The pipeline validates every grid point through `prepare` before any
// results file, dataset or model exists, and knows no runner's keys.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/registry.h"
#include "suite/config/reader.h"
#include "suite/results/tree.h"
#include "suite/run_spec.h"

namespace spikebench {

class Progress;
namespace engine {
class Communicator;
}

/// What the machine offers a run.
struct Environment {
  std::filesystem::path data_dir;  // resolved data folder (empty if the runner needs none)
  bool cuda = false;               // a CUDA build that sees a device
};

/// A run's cost for the plan (`reproduce --plan`): zero for init-time measurements.
struct Cost {
  double tokens = 0, flops = 0;
  bool estimated = true;  // false: the runner has no FLOPs model (the plan says so)
  int threads = 0;        // intra-op threads the run uses (0: every core), for --jobs
};

/// Defaults for the optional parts of a runner config.
struct RunnerConfig {
  std::string requirements(const Environment&) const { return ""; }
  Cost cost() const { return {}; }
};

struct RunContext {
  const RunSpec& run;
  results::Group& group;  // /runs/<name>
  Environment env;
  std::filesystem::path checkpoint_dir;  // where this run may checkpoint (removed when done)
  std::filesystem::path model_dir;       // where a trained model folder is kept (save_model)
  bool resume = false;
  Progress& progress;
  std::function<void()> flush;           // writes the results file atomically (rank 0)
  engine::Communicator* comm = nullptr;  // data parallel; null for a single process
};

/// A run's config as its runner parsed and validated it (once, in Study::runs): what the plan
/// prices, the pipeline checks against the machine and the runner executes.
struct ParsedConfig {
  virtual ~ParsedConfig() = default;
  /// Why this machine cannot run it ("" when it can); missing input files are errors.
  virtual std::string requirements(const Environment& env) const = 0;
  virtual Cost cost() const = 0;
  virtual void run(RunContext& ctx) const = 0;
};

struct Runner {
  static constexpr const char* kKind = "runner";
  std::string summary;
  /// Every key this runner accepts, with its default (YAML). A function, called when a study
  /// is read: a runner's defaults may include every registered component's settings
  /// (model_keys_yaml), which are complete only after static registration.
  const char* (*defaults)();
  bool needs_data;            // whether a data folder must exist
  /// Keys that switch a feature off at these values (a YAML map, or a list of maps: one per
  /// feature; null: none). A run's pre-registered design hash leaves a map's keys out when all
  /// of them are off, so a feature the runner gains off by default does not change the design
  /// of records written before it (suite/prereg.h).
  const char* off_yaml = nullptr;
  /// Parses and validates the typed config (errors name `where` and the key).
  std::function<std::shared_ptr<const ParsedConfig>(const config::Reader& config)> parse;
};

/// Config::kOffKeys where the config declares one (Runner::off_yaml), else null.
template <typename C, typename = void>
struct OffKeys {
  static const char* get() { return nullptr; }
};
template <typename C>
struct OffKeys<C, std::void_t<decltype(C::kOffKeys)>> {
  static const char* get() { return C::kOffKeys; }
};

template <typename Config>
Runner typed_runner(std::string summary, const char* (*defaults)(), bool needs_data,
                    void (*fn)(RunContext&, const Config&)) {
  struct Typed final : ParsedConfig {
    Typed(Config c, void (*f)(RunContext&, const Config&)) : config(std::move(c)), fn(f) {}
    std::string requirements(const Environment& env) const override {
      return config.requirements(env);
    }
    Cost cost() const override { return config.cost(); }
    void run(RunContext& ctx) const override { fn(ctx, config); }
    Config config;
    void (*fn)(RunContext&, const Config&);
  };
  Runner r{std::move(summary), defaults, needs_data, OffKeys<Config>::get(), nullptr};
  r.parse = [fn](const config::Reader& config) {
    return std::shared_ptr<const ParsedConfig>(std::make_shared<Typed>(Config::parse(config), fn));
  };
  return r;
}

}  // namespace spikebench

/// Registers runner `name` whose typed config is `Config`, its defaults `defaults()` (a
/// function returning YAML) and body `fn(RunContext&, const Config&)`.
#define SPIKEBENCH_RUNNER(name, Config, summary, defaults, needs_data, fn) \
  SPIKEBENCH_REGISTER(::spikebench::Runner, name,                          \
                      ::spikebench::typed_runner<Config>(summary, defaults, needs_data, fn))
