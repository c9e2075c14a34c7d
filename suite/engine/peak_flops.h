#pragma once
// Peak dense throughput of known accelerators, for model-FLOPs utilization (MFU, Chowdhery et al.
// 2022): MFU = tokens/s × training FLOPs per token / peak. Vendor datasheet numbers, dense (no
// sparsity); fp16 and bf16 use the tensor cores, fp32 the TF32 tensor-core rate.
#include <optional>
#include <string>

namespace spikebench::engine {

/// Peak FLOP/s of the device called `device_name` (e.g. "NVIDIA H100 80GB HBM3") at
/// `precision` (fp32 | fp16 | bf16); nullopt for a device not in the table.
std::optional<double> peak_flops(const std::string& device_name, const std::string& precision);

/// The name of the CUDA device `index` in a CUDA build, else "cpu".
std::string device_name(bool cuda, int index);

}  // namespace spikebench::engine
