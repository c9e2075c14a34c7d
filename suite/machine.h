#pragma once
// The machine record: what decides the bits of a one-thread CPU run besides the code — the CPU
// (vendor and model: MKL and oneDNN choose kernels by microarchitecture), the instruction set
// ATen dispatches to, the LibTorch build, and the environment variables that pin those choices.
// A results file carries it as root attributes; a golden file carries the record it was written
// on, so the `golden` check knows whether it compares on the same machine or across CPUs.
#include <map>
#include <string>
#include <vector>

namespace spikebench {

/// The record's keys, as results-file root attributes and as the golden file's `machine:` map.
inline const std::vector<std::string>& machine_keys() {
  static const std::vector<std::string> k = {"cpu_vendor", "cpu", "cpu_isa", "libtorch",
                                             "numerics_env"};
  return k;
}

/// The first processor's `vendor_id` and `model name` in /proc/cpuinfo text ("unknown" where a
/// field is absent, e.g. on ARM, whose cpuinfo names no model).
struct CpuName {
  std::string vendor = "unknown", model = "unknown";
};
CpuName parse_cpuinfo(const std::string& text);

/// The environment variables that change which kernels run (set ones only, "NAME=value"
/// joined by spaces, in a fixed order; "" when none is set).
std::string numerics_env();

/// This process's record: cpu_vendor, cpu, cpu_isa (ATen's dispatch), libtorch, numerics_env.
std::map<std::string, std::string> machine_record();

}  // namespace spikebench
