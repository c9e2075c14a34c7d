#pragma once
// Training precision:
//  - fp32;
//  - fp16, as the paper trained (Megatron-LM's --fp16, Table 3): the model's parameters and
//    activations are float16 — the residual stream itself is fp16 and can overflow — while the
//    optimizer keeps fp32 master weights and moments (Megatron's Float16OptimizerWithFloat16Params:
//    fp16 gradients are copied to the masters, unscaled, clipped and stepped; the masters are
//    copied back into the fp16 model), with the dynamic loss scaler (loss_scaler.h). The loss is
//    computed from logits upcast to fp32, as Megatron's cross entropy does by default;
//  - fp16_autocast: autocast to float16 around an fp32 model (PyTorch AMP: fp32 weights and
//    residual stream, fp16 matmuls), with the dynamic loss scaler — not what the paper ran;
//  - bf16: autocast to bfloat16 (no scaler: bf16 has fp32's exponent range).
#include <ATen/autocast_mode.h>
#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

#include <string>

#include "core/enum_names.h"
#include "core/error.h"

namespace spikebench::engine {

enum class Precision { fp32, fp16, fp16_autocast, bf16 };

inline const EnumNames<Precision>& precision_names() {
  static const EnumNames<Precision> n = {{"fp32", Precision::fp32},
                                         {"bf16", Precision::bf16},
                                         {"fp16", Precision::fp16},
                                         {"fp16_autocast", Precision::fp16_autocast}};
  return n;
}

/// Whether the forward pass runs under autocast (fp16_autocast, bf16).
inline bool uses_autocast(Precision p) {
  return p == Precision::fp16_autocast || p == Precision::bf16;
}
/// Whether the model's own parameters are float16, with fp32 masters in the optimizer (fp16).
inline bool uses_fp16_params(Precision p) { return p == Precision::fp16; }
/// Whether the dynamic loss scaler runs (both float16 forms).
inline bool uses_loss_scaler(Precision p) {
  return p == Precision::fp16 || p == Precision::fp16_autocast;
}
/// The arithmetic the peak-FLOP table knows the precision by (fp16 tensor cores for both forms).
inline const char* arithmetic_name(Precision p) {
  return p == Precision::fp32 ? "fp32" : p == Precision::bf16 ? "bf16" : "fp16";
}

inline Precision parse_precision(const std::string& s) {
  return parse_enum(s, precision_names(), "precision");
}

/// Autocast on `device` for the forward pass of an autocast precision (RAII: restores the previous
/// state, clears the cast cache on exit as torch.autocast does); a no-op for fp32 and fp16, whose
/// model already holds the arithmetic's dtype.
class AutocastScope {
 public:
  AutocastScope(Precision p, c10::DeviceType device)
      : device_(device), active_(uses_autocast(p)) {
    if (!active_) return;
    was_enabled_ = at::autocast::is_autocast_enabled(device_);
    was_dtype_ = at::autocast::get_autocast_dtype(device_);
    at::autocast::set_autocast_enabled(device_, true);
    at::autocast::set_autocast_dtype(device_, p == Precision::bf16 ? at::kBFloat16 : at::kHalf);
    at::autocast::increment_nesting();
  }
  ~AutocastScope() {
    if (!active_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(device_, was_enabled_);
    at::autocast::set_autocast_dtype(device_, was_dtype_);
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  c10::DeviceType device_;
  bool active_, was_enabled_ = false;
  at::ScalarType was_dtype_ = at::kFloat;
};

}  // namespace spikebench::engine
