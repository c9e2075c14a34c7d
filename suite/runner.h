#pragma once
// A runner executes one RunSpec and writes its measurements into the run's results group.
// Runners register by name (SPIKEBENCH_RUNNER) with their default config; those defaults are
// also the list of valid keys, so a misspelt key in a study is an error, not a silent default.
#include <filesystem>
#include <functional>
#include <string>

#include "core/registry.h"
#include "suite/results/tree.h"
#include "suite/study.h"

namespace spikebench {

class Progress;
namespace engine {
class Communicator;
}

struct RunContext {
  const RunSpec& run;
  results::Group& group;                 // /runs/<name>
  std::filesystem::path data_dir;        // resolved data folder (empty if the runner needs none)
  std::filesystem::path checkpoint_dir;  // where this run may checkpoint
  bool resume = false;
  Progress& progress;
  std::function<void()> flush;           // writes the results file atomically (rank 0)
  engine::Communicator* comm = nullptr;  // data parallel; null for a single process
};

struct Runner {
  static constexpr const char* kKind = "runner";
  std::string summary;
  const char* defaults_yaml;  // every key this runner accepts, with its default
  bool needs_data;            // whether a data folder must exist
  std::function<void(RunContext&)> run;
  /// Checks a run's config before any file is written (unknown component names, bad sizes);
  /// unset = the decoder LM's model_config() where the config names a `size`.
  std::function<void(const YAML::Node&)> validate = nullptr;
};

#define SPIKEBENCH_RUNNER(name, summary, defaults_yaml, needs_data, fn) \
  SPIKEBENCH_REGISTER(::spikebench::Runner, name, summary, defaults_yaml, needs_data, fn)

}  // namespace spikebench
