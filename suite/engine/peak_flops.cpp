#include "suite/engine/peak_flops.h"

#ifdef SPIKEBENCH_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

namespace spikebench::engine {

std::optional<double> peak_flops(const std::string& device_name, const std::string& precision) {
  struct Peak {
    const char* name;   // substring of the CUDA device name
    double half, tf32;  // TFLOP/s, dense
  };
  // NVIDIA datasheets: H100 SXM5 / H200 SXM (same compute), H100 PCIe, A100 (SXM and PCIe).
  static const Peak kPeaks[] = {{"H200", 989.4, 494.7},
                                {"H100 PCIe", 756.0, 378.0},
                                {"H100", 989.4, 494.7},
                                {"A100", 312.0, 156.0}};
  for (const auto& p : kPeaks)
    if (device_name.find(p.name) != std::string::npos)
      return 1e12 * (precision == "fp32" ? p.tf32 : p.half);
  return std::nullopt;
}

std::string device_name(bool cuda, int index) {
#ifdef SPIKEBENCH_CUDA
  if (cuda) return at::cuda::getDeviceProperties(index)->name;
#else
  (void)cuda, (void)index;
#endif
  return "cpu";
}

}  // namespace spikebench::engine
