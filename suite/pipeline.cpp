#include "suite/pipeline.h"

#include <torch/torch.h>
#include <torch/version.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>

#include "core/data_dir.h"
#include "core/error.h"
#include "suite/config/yaml.h"
#include "suite/engine/distributed.h"
#include "suite/engine/precision.h"
#include "suite/model_config.h"
#include "suite/progress.h"
#include "suite/results/store.h"
#include "suite/run_cache.h"
#include "suite/runner.h"

namespace spikebench {
namespace {

namespace fs = std::filesystem;

std::string now_iso() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string git_sha() {
  std::string cmd =
      "git -C '" + std::string(SPIKEBENCH_SOURCE_DIR) + "' rev-parse --short=12 HEAD 2>/dev/null";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[64];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out.empty() ? "unknown" : out;
}

std::string device_name() {
  if (torch::cuda::is_available())
    return "cuda (" + std::to_string(torch::cuda::device_count()) + " GPUs)";
  return "cpu (" + std::to_string(torch::get_num_threads()) + " threads)";
}

void require_writable(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("--out '", dir.string(), "': cannot create folder (", ec.message(), ")");
  const fs::path probe = dir / (".spikebench-write-test-" + std::to_string(::getpid()));
  std::ofstream f(probe);
  if (!f) fail("--out '", dir.string(), "': folder is not writable");
  f.close();
  fs::remove(probe, ec);
}

bool cuda_available() {
#ifdef SPIKEBENCH_CUDA
  return torch::cuda::is_available();
#else
  return false;
#endif
}

}  // namespace

RunReport run_study(const Study& study, const RunOptions& o) {
  RunReport report;
  // ---- validate everything before any file is created
  if (const auto reason = study.skip_reason(o.scale); !reason.empty()) {
    if (!study.root["scales"][o.scale])
      fail(study.name, ": scale '", o.scale,
           "' is not declared (declared: ", join(study.scales(), ", "), ")");
    report.skipped = true, report.skip_reason = reason;
    return report;
  }
  const auto runs = study.runs(o.scale, o.seeds, o.sets);
  const Runner& runner = Registry<Runner>::instance().get(study.runner);
  for (const auto& r : runs)  // model components resolve before any file is written
    try {
      if (runner.validate)
        runner.validate(r.config);
      else if (r.config["size"])
        model_config(r.config);
    } catch (const std::exception& e) {
      fail(study.source, ": run '", r.name, "': ", e.what());
    }
  fs::path data_dir;
  if (runner.needs_data) data_dir = resolve_data_dir(o.data_dir);
  // What this machine lacks makes the scale skipped (reported), not failed: a CUDA device for
  // `device: cuda` runs, the prepared GPT-2 BPE shards for `data: shards` runs.
  for (const auto& r : runs) {
    if (r.config["device"] && r.config["device"].as<std::string>() == "cuda" && !cuda_available()) {
      report.skipped = true, report.skip_reason = "needs a CUDA device (none on this machine)";
      return report;
    }
    for (const char* key : {"shards_dir", "valid_shards_dir"}) {
      if (!r.config["data"] || r.config["data"].as<std::string>() != "shards" || !r.config[key])
        continue;
      fs::path dir = r.config[key].as<std::string>();
      if (dir.empty()) continue;
      if (dir.is_relative()) dir = data_dir / dir;
      if (!fs::exists(dir / "shards.json")) {
        report.skipped = true;
        report.skip_reason = "needs GPT-2 BPE shards in " + dir.string() +
                             " (make them with `spikebench prepare CORPUS --out " + dir.string() +
                             "`, see `spikebench prepare --help`)";
        return report;
      }
    }
  }
  for (const auto& r : runs)  // so does the precision: fp16 needs a CUDA device
    if (r.config["precision"]) {
      const auto p = r.config["precision"].as<std::string>();
      try {
        engine::parse_precision(p);
      } catch (const std::exception& e) {
        fail(study.source, ": run '", r.name, "': key 'precision': ", e.what());
      }
      if (p == "fp16" && !cuda_available())
        fail(study.source, ": run '", r.name,
             "': precision fp16 needs a CUDA device (this build/machine has none; use bf16 or "
             "fp32)");
    }
  const bool main_rank = !o.comm || o.comm->world().is_main();
  if (main_rank) require_writable(o.out_dir);
  report.file = o.out_dir / (study.name + "-" + o.scale + ".h5");

  // ---- the results tree (resumed from the file when asked)
  results::Group root;
  if (o.resume && fs::exists(report.file)) root = results::load(report.file);
  YAML::Node resolved;
  resolved["study"] = YAML::Clone(study.root);
  for (const auto& r : runs) resolved["runs"][r.name] = r.config;
  root.attrs["artifact"] = study.name;
  root.attrs["id"] = study.id;
  root.attrs["title"] = study.title;
  root.attrs["scale"] = o.scale;
  root.attrs["suite_version"] = std::string(SPIKEBENCH_VERSION);
  root.attrs["git_sha"] = git_sha();
  root.attrs["libtorch"] = std::string(TORCH_VERSION);
  root.attrs["device"] = device_name();
  root.attrs["command_line"] = o.command_line;
  if (!root.has_attr("start_time")) root.attrs["start_time"] = now_iso();
  root.group("config").attrs["yaml"] = [&] {
    YAML::Emitter e;
    e << resolved;
    return std::string(e.c_str());
  }();
  const fs::path ckpt_root = o.out_dir / (study.name + "-" + o.scale + ".ckpt");
  auto flush = [&] {
    if (main_rank) results::save(root, report.file);  // only rank 0 writes results
  };
  flush();

  Progress progress(main_rank);
  int index = 0;
  for (const auto& run : runs) {
    ++index;
    results::Group& g = root.group("runs/" + run.name);
    if (o.resume && g.has_attr("status") && g.attr_string("status") != "running" &&
        g.attr_string("status").rfind("failed", 0) != 0) {
      ++report.runs;
      if (g.attr_string("status").rfind("diverged", 0) == 0) ++report.diverged;
      continue;  // finished before the interruption
    }
    g.attrs["method"] = run.method;
    g.attrs["size"] = run.size;
    g.attrs["seed"] = static_cast<int64_t>(run.seed);
    if (!std::isnan(run.lr)) g.attrs["lr"] = run.lr;
    g.attrs["status"] = std::string("running");
    g.attrs["config"] = config::flow(run.config);
    if (main_rank)
      std::fprintf(stderr, "[%d/%zu] %s %s\n", index, runs.size(), study.name.c_str(),
                   run.name.c_str());
    const std::string cache_key = study.runner + "\n" + config::flow(run.config);
    if (const results::Group* done = o.cache ? o.cache->find(cache_key) : nullptr) {
      const auto keep = g.attrs;  // this study's names for the run (method, size, ...)
      g = results::clone(*done);
      for (const auto& key : {"method", "size", "seed", "lr", "config"})
        if (keep.count(key)) g.attrs[key] = keep.at(key);
      ++report.runs;
      if (g.attr_string("status").rfind("diverged", 0) == 0) ++report.diverged;
      if (main_rank)
        std::fprintf(stderr, "  identical to %s: reused\n", g.attr_string("reused_from").c_str());
      flush();
      continue;
    }
    RunContext ctx{run, g, data_dir, ckpt_root / run.name, o.resume, progress, flush, o.comm.get()};
    const auto t0 = std::chrono::steady_clock::now();
    try {
      runner.run(ctx);
      if (g.attr_string("status") == "running") g.attrs["status"] = std::string("ok");
    } catch (const std::exception& e) {
      g.attrs["status"] = std::string("failed: ") + e.what();
      flush();
      throw Error(study.name + " run " + run.name + " failed: " + e.what() +
                  " (partial results kept in " + report.file.string() + ")");
    }
    g.attrs["seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++report.runs;
    if (g.attr_string("status").rfind("diverged", 0) == 0) ++report.diverged;
    flush();
    if (o.cache) {
      g.attrs["reused_from"] = study.name + "/" + run.name;  // only copies carry it
      o.cache->store(cache_key, g);
      g.attrs.erase("reused_from");
    }
  }
  root.attrs["end_time"] = now_iso();
  report.writer = main_rank;
  if (!main_rank) return report;  // checks and golden files are rank 0's
  report.checks = checks::evaluate(root, study.expectations(o.scale),
                                   {checks::default_baselines_dir(), o.update_golden});
  for (const auto& c : report.checks) report.failed += c.verdict == "fail";
  flush();
  std::error_code ec;
  fs::remove_all(ckpt_root, ec);  // finished: checkpoints are no longer needed
  return report;
}

std::vector<checks::Outcome> recheck(const fs::path& file, const checks::Options& o) {
  results::Group root = results::load(file);
  const auto* cfg = root.find_group("config");
  if (!cfg || !cfg->has_attr("yaml"))
    fail(file.string(), ": no /config yaml attribute (not a spikebench results file?)");
  const YAML::Node resolved = YAML::Load(cfg->attr_string("yaml"));
  const std::string scale = root.attr_string("scale");
  const YAML::Node study = resolved["study"];
  YAML::Node expectations = study["expectations"] && study["expectations"][scale]
                                ? study["expectations"][scale]
                                : YAML::Node(YAML::NodeType::Sequence);
  auto outcomes = checks::evaluate(root, expectations, o);
  results::save(root, file);
  return outcomes;
}

void print_checks(const std::vector<checks::Outcome>& outcomes) {
  for (const auto& c : outcomes)
    std::printf("  %-5s %-28s %-12s %s\n", c.verdict.c_str(), c.name.c_str(), c.kind.c_str(),
                c.reason.c_str());
}

}  // namespace spikebench
