#include "suite/pipeline.h"

#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <thread>

#include "core/data_dir.h"
#include "core/error.h"
#include "core/source_dir.h"
#include "suite/config/expectations.h"
#include "suite/config/yaml.h"
#include "suite/engine/distributed.h"
#include "suite/jobs.h"
#include "suite/machine.h"
#include "suite/prereg.h"
#include "suite/progress.h"
#include "suite/results/lock.h"
#include "suite/results/store.h"
#include "suite/run_cache.h"
#include "suite/runner.h"

namespace spikebench {
namespace {

namespace fs = std::filesystem;


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

}  // namespace

std::string now_iso() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string git_sha() {
  std::string cmd =
      "git -C '" + std::string(source_dir()) + "' rev-parse --short=12 HEAD 2>/dev/null";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[64];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out.empty() ? "unknown" : out;
}

std::vector<checks::RunAttrs> planned_attrs(const std::vector<RunSpec>& runs) {
  std::vector<checks::RunAttrs> out;
  for (const auto& r : runs) {
    checks::RunAttrs a{{"method", r.method}, {"size", r.size}, {"seed", int64_t{r.seed}}};
    if (!std::isnan(r.lr)) a["lr"] = r.lr;
    out.push_back(std::move(a));
  }
  return out;
}

namespace {

bool cuda_available() {
#ifdef SPIKEBENCH_CUDA
  return torch::cuda::is_available();
#else
  return false;
#endif
}

/// Restores the intra-op thread count a run may change (`threads:`), so a `reproduce` never
/// inherits one run's setting.
class ThreadCountGuard {
 public:
  ThreadCountGuard() : threads_(torch::get_num_threads()) {}
  ~ThreadCountGuard() {
    if (torch::get_num_threads() != threads_) torch::set_num_threads(threads_);
  }
  ThreadCountGuard(const ThreadCountGuard&) = delete;
  ThreadCountGuard& operator=(const ThreadCountGuard&) = delete;

 private:
  int threads_;
};

/// Why this machine cannot run `runs` ("" when it can), after validating every run's typed
/// config. A reason that only a --set introduced is an error: the user asked for it here.
std::string check_runs(const Study& study, const RunOptions& o, const std::vector<RunSpec>& runs,
                       const Environment& env) {
  std::string reason;
  for (const auto& r : runs) {
    reason = r.typed->requirements(env);
    if (!reason.empty()) break;
  }
  if (reason.empty() || o.sets.empty()) return reason;
  for (const auto& r : study.runs(o.scale, o.seeds, {}))
    if (!r.typed->requirements(env).empty())
      return reason;  // the scale itself declares what this machine lacks: skipped
  fail(study.source, ": --set ", join(o.sets, " --set "), ": ", reason);
}

/// The results tree with the provenance attributes (resumed from the file when asked).
results::Group open_results(const Study& study, const RunOptions& o,
                            const std::vector<RunSpec>& runs, const fs::path& file) {
  results::Group root;
  if (o.resume && fs::exists(file)) root = results::load(file);
  std::vector<std::pair<std::string, const config::Tree*>> configs;
  for (const auto& r : runs) configs.emplace_back(r.name, &r.config);
  root.attrs["artifact"] = study.name;
  root.attrs["id"] = study.id;
  root.attrs["title"] = study.title;
  root.attrs["scale"] = o.scale;
  if (!std::isnan(study.lr_failed_above)) root.attrs["lr_failed_above"] = study.lr_failed_above;
  root.attrs["suite_version"] = std::string(SPIKEBENCH_VERSION);
  root.attrs["git_sha"] = git_sha();
  root.attrs["device"] = device_name();
  // The machine record (suite/machine.h): the golden check compares on it or across CPUs.
  for (const auto& [key, value] : machine_record()) root.attrs[key] = value;
  root.attrs["command_line"] = o.command_line;
  if (!root.has_attr("start_time")) root.attrs["start_time"] = now_iso();
  root.group("config").attrs["yaml"] = config::provenance_yaml(study.root, configs);
  return root;
}

bool finished(const results::Group& g) {
  if (!g.has_attr("status")) return false;
  const auto s = g.attr_string("status");
  return s != "running" && s.rfind("failed", 0) != 0;
}

/// The run cache's key: a run is a pure function of its runner and resolved config.
std::string cache_key(const Study& study, const RunSpec& run) {
  return study.runner + "\n" + run.config.flow();
}

/// A run's identity attributes (what the checks select pairs by), marked running.
void write_identity(results::Group& g, const RunSpec& run) {
  g.attrs["method"] = run.method;
  g.attrs["size"] = run.size;
  g.attrs["seed"] = static_cast<int64_t>(run.seed);
  if (!std::isnan(run.lr)) g.attrs["lr"] = run.lr;
  g.attrs["status"] = std::string("running");
  g.attrs["config"] = run.config.flow();
}

/// Copies a finished identical run from the cache into `g`; false when there is none.
bool reuse(const Study& study, const RunOptions& o, const RunSpec& run, results::Group& g) {
  const results::Group* done =
      o.cache ? o.cache->find(cache_key(study, run)) : nullptr;
  if (!done) return false;
  const auto keep = g.attrs;  // this study's names for the run (method, size, ...)
  g = results::clone(*done);
  for (const auto& key : {"method", "size", "seed", "lr", "config"})
    if (keep.count(key)) g.attrs[key] = keep.at(key);
  return true;
}

/// Runs one grid point; a runner's exception marks the run failed, keeps the partial results
/// and stops the study. The run's wall time and, under `reproduce`, a cache entry are added.
void execute(const Study& study, const RunOptions& o, const RunSpec& run,
             results::Group& g, RunContext ctx) {
  const auto t0 = std::chrono::steady_clock::now();
  try {
    ThreadCountGuard threads;
    run.typed->run(ctx);
    if (g.attr_string("status") == "running") g.attrs["status"] = std::string("ok");
  } catch (const std::exception& e) {
    g.attrs["status"] = std::string("failed: ") + e.what();
    ctx.flush();
    throw Error(study.name + " run " + run.name + " failed: " + e.what() +
                " (partial results kept; --resume continues)");
  }
  g.attrs["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (o.cache) {
    g.attrs["reused_from"] = study.name + "/" + run.name;  // only copies carry it
    o.cache->store(cache_key(study, run), g);
    g.attrs.erase("reused_from");
  }
}

/// What the run loops share.
struct Executor {
  const Study& study;
  const RunOptions& o;
  const Environment& env;
  results::Group& root;
  fs::path ckpt_root;
  std::function<void()> flush;
  Progress& progress;
  bool main_rank;
};

/// Marks the run's group as started; true when it still has to run (not finished before an
/// interruption, not reused from an identical run of an earlier artifact).
bool begin_run(Executor& ex, const RunSpec& run, size_t index, size_t total) {
  results::Group& g = ex.root.group("runs/" + run.name);
  if (ex.main_rank)
    std::fprintf(stderr, "[%zu/%zu] %s %s\n", index, total, ex.study.name.c_str(), run.name.c_str());
  if (ex.o.resume && finished(g)) return false;
  write_identity(g, run);
  if (!reuse(ex.study, ex.o, run, g)) return true;
  if (ex.main_rank) std::fprintf(stderr, "  identical to %s: reused\n", g.attr_string("reused_from").c_str());
  ex.flush();
  return false;
}

/// Trained model folders (train_lm's save_model): <out>/<study>-<scale>.models/<run>, kept.
fs::path models_root(const Executor& ex) {
  fs::path p = ex.ckpt_root;
  return p.replace_extension(".models");
}

void run_sequential(Executor& ex, const std::vector<RunSpec>& runs) {
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto& run = runs[i];
    if (!begin_run(ex, run, i + 1, runs.size())) continue;
    results::Group& g = ex.root.group("runs/" + run.name);
    execute(ex.study, ex.o, run, g,
            {run, g, ex.env, ex.ckpt_root / run.name, models_root(ex) / run.name, ex.o.resume,
             ex.progress, ex.flush, ex.o.comm.get()});
    ex.flush();
  }
}

/// The command line of a worker that runs `run` into `file`.
std::vector<std::string> worker_argv(const Executor& ex, const RunSpec& run, const fs::path& file,
                                     int jobs) {
  const auto& o = ex.o;
  std::vector<std::string> argv = {self_executable().string(), "worker",
                                   ex.study.embedded ? ex.study.name : ex.study.source,
                                   "--scale", o.scale, "--seeds", std::to_string(o.seeds),
                                   "--run", run.name, "--file", file.string(),
                                   "--checkpoint-dir", (ex.ckpt_root / run.name).string(),
                                   "--model-dir", (models_root(ex) / run.name).string()};
  if (!ex.env.data_dir.empty()) argv.insert(argv.end(), {"--data-dir", ex.env.data_dir.string()});
  if (o.resume) argv.push_back("--resume");
  for (const auto& s : o.sets) argv.insert(argv.end(), {"--set", s});
  if (jobs == 1 && ex.main_rank) argv.push_back("--progress");  // one worker: its progress line
  return argv;
}

/// Runs the grid points in `o.jobs` worker processes; the parent alone writes the results
/// file, adding each run as its worker ends. A failed run stops new starts and, once the
/// running ones have ended, the study (as in a sequential run).
void run_parallel(Executor& ex, const std::vector<RunSpec>& runs, int jobs) {
  if (ex.o.comm) fail("--jobs > 1 cannot be combined with data parallelism (one process per rank)");
  const fs::path jobs_dir = ex.ckpt_root.string() + ".jobs";
  fs::create_directories(jobs_dir);
  JobPool pool(jobs);
  std::string error;
  size_t next = 0, done = 0;
  auto file_of = [&](const RunSpec& r) { return jobs_dir / (r.name + ".h5"); };
  while (next < runs.size() || !pool.idle()) {
    while (error.empty() && next < runs.size() && pool.has_free_slot()) {
      const auto& run = runs[next++];
      if (!begin_run(ex, run, next, runs.size())) {
        ++done;
        continue;
      }
      const fs::path file = file_of(run);
      if (ex.o.resume && !fs::exists(file)) {  // rows an earlier in-process run left
        results::Group one;
        one.group("runs/" + run.name) = results::clone(ex.root.group("runs/" + run.name));
        results::save(one, file);
      }
      // A run's thread count is fixed from the process's start: OpenMP and MKL read these once
      // (a pool that started with every core and was set to 1 later computes differently).
      std::vector<std::string> env;
      if (const int t = run.typed->cost().threads; t > 0)
        env = {"OMP_NUM_THREADS=" + std::to_string(t), "MKL_NUM_THREADS=" + std::to_string(t)};
      pool.start(static_cast<int64_t>(next - 1), worker_argv(ex, run, file, jobs), env);
      ex.flush();  // the results file lists the run as running (its rows are the worker's)
    }
    if (pool.idle()) break;
    const auto f = pool.wait_any();
    const RunSpec& run = runs[static_cast<size_t>(f.id)];
    results::Group& g = ex.root.group("runs/" + run.name);
    if (fs::exists(file_of(run))) {
      auto one = results::load(file_of(run));
      if (const auto* r = one.find_group("runs/" + run.name)) g = results::clone(*r);
    }
    ++done;
    const std::string status = g.has_attr("status") ? g.attr_string("status") : "missing";
    if (f.exit_code != 0 || status == "running" || status.rfind("failed", 0) == 0) {
      if (status == "running" || status == "missing") g.attrs["status"] = "failed: worker exited " + std::to_string(f.exit_code);
      if (error.empty())
        error = ex.study.name + " run " + run.name + " " + g.attr_string("status") +
                " (partial results kept; --resume continues)";
    } else {
      if (ex.o.cache) {
        g.attrs["reused_from"] = ex.study.name + "/" + run.name;
        ex.o.cache->store(cache_key(ex.study, run), g);
        g.attrs.erase("reused_from");
      }
      std::error_code ec;
      fs::remove(file_of(run), ec);
    }
    if (ex.main_rank)
      std::fprintf(stderr, "  %s: %s (%zu/%zu done)\n", run.name.c_str(), g.attr_string("status").c_str(), done, runs.size());
    ex.flush();
  }
  if (!error.empty()) throw Error(error);
  std::error_code ec;
  fs::remove_all(jobs_dir, ec);
}

}  // namespace

RunReport run_study(const Study& study, const RunOptions& o) {
  RunReport report;
  if (const auto reason = study.skip_reason(o.scale); !reason.empty()) {
    if (!study.declares(o.scale))
      fail(study.name, ": scale '", o.scale,
           "' is not declared (declared: ", join(study.scales(), ", "), ")");
    report.skipped = true, report.skip_reason = reason;
    return report;
  }
  // ---- validate everything before any file is created
  const auto runs = study.runs(o.scale, o.seeds, o.sets);
  checks::validate(study.checks(o.scale), planned_attrs(runs));
  const Runner& runner = Registry<Runner>::instance().get(study.runner);
  Environment env{runner.needs_data ? resolve_data_dir(o.data_dir) : fs::path(), cuda_available()};
  if (auto reason = check_runs(study, o, runs, env); !reason.empty()) {
    report.skipped = true, report.skip_reason = reason;
    return report;
  }
  const bool main_rank = !o.comm || o.comm->world().is_main();
  if (main_rank) require_writable(o.out_dir);
  // Pre-registration (suite/prereg.h): a record's grid must not reuse pilot seeds; a
  // confirmatory run must match its record, and its attempt is logged before anything runs.
  const auto baselines = checks::default_baselines_dir();
  const auto prereg = prereg::status(baselines, study, o.scale, runs);
  int attempt = 0;
  if (o.confirmatory && main_rank)
    attempt = prereg::log_attempt(baselines, study, o.scale, runs, prereg, git_sha(), now_iso(),
                                  o.rerun_reason);
  if (prereg.state == prereg::Status::State::differs && main_rank)
    std::fprintf(stderr, "%s: not as pre-registered (%s): %s\n", study.name.c_str(),
                 prereg::record_path(baselines, study.name, o.scale).c_str(),
                 prereg.detail.c_str());
  report.file = o.out_dir / (study.name + "-" + o.scale + ".h5");
  std::optional<results::WriterLock> lock;  // one writer per results file (a second run stops)
  if (main_rank) lock.emplace(report.file);
  results::Group root = open_results(study, o, runs, report.file);
  root.attrs["prereg"] = prereg.summary();
  root.attrs["prereg_attempt"] = static_cast<int64_t>(attempt);  // 0: not a confirmatory run
  const fs::path ckpt_root = o.out_dir / (study.name + "-" + o.scale + ".ckpt");
  auto flush = [&] {
    if (main_rank) results::save(root, report.file);  // only rank 0 writes results
  };
  flush();

  Progress progress(main_rank);
  Executor ex{study, o, env, root, ckpt_root, flush, progress, main_rank};
  // Every run executes in a fresh worker process whose thread count is fixed from its start,
  // so results do not depend on --jobs or on what ran before; data-parallel ranks (one process
  // per device already) run in this process.
  if (o.comm)
    run_sequential(ex, runs);
  else
    run_parallel(ex, runs, o.jobs > 0 ? o.jobs : auto_jobs(study, o));
  for (const auto& run : runs) {
    ++report.runs;
    if (root.group("runs/" + run.name).attr_string("status").rfind("diverged", 0) == 0)
      ++report.diverged;
  }
  root.attrs["end_time"] = now_iso();
  report.writer = main_rank;
  if (!main_rank) return report;  // checks and golden files are rank 0's
  report.checks = checks::evaluate(root, study.checks(o.scale),
                                   {checks::default_baselines_dir(), o.update_golden});
  for (const auto& c : report.checks) report.failed += c.verdict == checks::Verdict::fail;
  flush();
  std::error_code ec;
  fs::remove_all(ckpt_root, ec);  // finished: checkpoints are no longer needed
  return report;
}

int run_one(const Study& study, const RunOptions& o, const std::string& run_name,
            const fs::path& file, const fs::path& checkpoint_dir, const fs::path& model_dir,
            bool show_progress) {
  const auto runs = study.runs(o.scale, o.seeds, o.sets);
  const auto it = std::find_if(runs.begin(), runs.end(), [&](const RunSpec& r) { return r.name == run_name; });
  if (it == runs.end()) fail(study.name, ": no run '", run_name, "' at scale ", o.scale);
  const Runner& runner = Registry<Runner>::instance().get(study.runner);
  const Environment env{runner.needs_data ? resolve_data_dir(o.data_dir) : fs::path(), cuda_available()};
  results::Group root;
  if (o.resume && fs::exists(file)) root = results::load(file);
  results::Group& g = root.group("runs/" + run_name);
  write_identity(g, *it);
  auto flush = [&] { results::save(root, file); };
  Progress progress(show_progress);
  RunOptions quiet = o;
  quiet.cache = nullptr;
  try {
    execute(study, quiet, *it, g, {*it, g, env, checkpoint_dir, model_dir, o.resume, progress, flush, nullptr});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "spikebench worker: %s\n", e.what());
    return 1;  // execute() saved the failed status
  }
  flush();
  return 0;
}

int auto_jobs(const Study& study, const RunOptions& o) {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  int threads = 1;
  for (const auto& r : study.runs(o.scale, o.seeds, o.sets)) {
    const int t = r.typed->cost().threads;
    threads = std::max(threads, t <= 0 ? cores : t);
  }
  return std::max(1, cores / threads);
}

std::vector<checks::Outcome> recheck(const fs::path& file, const checks::Options& o) {
  results::Group root = results::load(file);
  const auto* cfg = root.find_group("config");
  if (!cfg || !cfg->has_attr("yaml"))
    fail(file.string(), ": no /config yaml attribute (not a spikebench results file?)");
  const auto checks = config::recorded_expectations(cfg->attr_string("yaml"),
                                                    root.attr_string("scale"), file.string());
  auto outcomes = checks::evaluate(root, checks, o);
  results::save(root, file);
  return outcomes;
}

void print_checks(const std::vector<checks::Outcome>& outcomes) {
  for (const auto& c : outcomes)
    std::printf("  %-12s %-28s %-12s %s\n", checks::to_string(c.verdict).c_str(), c.name.c_str(),
                c.kind.c_str(), c.reason.c_str());
}

}  // namespace spikebench
