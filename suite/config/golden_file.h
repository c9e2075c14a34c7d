#pragma once
// A golden file (baselines/<scale>/<artifact>[.<cpu_vendor>.<cpu_isa>].yaml, checks.h:
// golden_file), read into and written from typed values: the machine it was written on
// (suite/machine.h), each run's golden metric values, and the claim verdicts `golden_verdicts`
// gates.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace spikebench::config {

/// run -> metric -> value (nullopt: the file says null), in the order first set: a rewritten
/// file keeps the order its values were produced in.
class GoldenValues {
 public:
  void set(const std::string& run, const std::string& metric, std::optional<double> value);
  /// nullptr when the file has no entry for the run and metric.
  const std::optional<double>* find(const std::string& run, const std::string& metric) const;
  bool empty() const { return runs_.empty(); }
  using Metrics = std::vector<std::pair<std::string, std::optional<double>>>;
  const std::vector<std::pair<std::string, Metrics>>& runs() const { return runs_; }

 private:
  std::vector<std::pair<std::string, Metrics>> runs_;
};

struct GoldenFile {
  bool present = false;      // the file exists
  bool has_machine = false;  // it records the machine it was written on
  std::vector<std::pair<std::string, std::string>> machine;  // key -> value ("" if not a scalar)
  GoldenValues values;
  bool has_verdicts = false;
  std::map<std::string, std::string> verdicts;  // claim -> pass | fail | inconclusive | skip
};

/// The golden file at `path`; present = false when there is none. A malformed file is an Error
/// naming it.
GoldenFile read_golden_file(const std::filesystem::path& path);
/// Writes `golden` (machine, values, verdicts: the keys it has) after `header` (a comment, without
/// the leading '# '), atomically (a temporary file, then a rename).
void write_golden_file(const std::filesystem::path& path, const std::string& header,
                       const GoldenFile& golden);

}  // namespace spikebench::config
