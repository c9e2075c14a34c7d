#include "suite/machine.h"

#include <ATen/Version.h>
#include <torch/version.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "datasets/pystr.h"

namespace spikebench {

CpuName parse_cpuinfo(const std::string& text) {
  CpuName cpu;
  bool vendor = false, model = false;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() && (vendor || model)) break;  // the end of the first processor's block
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string_view key = datasets::py_strip(std::string_view(line).substr(0, colon));
    const std::string_view value = datasets::py_strip(std::string_view(line).substr(colon + 1));
    if (key == "vendor_id" && !vendor) cpu.vendor = std::string(value), vendor = true;
    if (key == "model name" && !model) cpu.model = std::string(value), model = true;
  }
  return cpu;
}

std::string numerics_env() {
  std::string out;
  for (const char* name : {"ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS",
                           "MKL_DEBUG_CPU_TYPE", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"}) {
    const char* v = std::getenv(name);
    if (v == nullptr) continue;
    out += (out.empty() ? "" : " ") + std::string(name) + "=" + v;
  }
  return out;
}

std::map<std::string, std::string> machine_record() {
  std::ifstream f("/proc/cpuinfo");
  std::stringstream text;
  text << f.rdbuf();
  const CpuName cpu = parse_cpuinfo(text.str());
  return {{"cpu_vendor", cpu.vendor},
          {"cpu", cpu.model},
          {"cpu_isa", at::get_cpu_capability()},
          {"libtorch", TORCH_VERSION},
          {"numerics_env", numerics_env()}};
}

}  // namespace spikebench
