#pragma once
// Training precision: fp32, or mixed precision with autocast — fp16 (the paper's, Table 3;
// needs the dynamic loss scaler) or bf16 (no scaler: bf16 has fp32's exponent range).
// Master weights, optimizer state and the loss stay fp32 in both.
#include <ATen/autocast_mode.h>
#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

#include <string>

#include "core/enum_names.h"
#include "core/error.h"

namespace spikebench::engine {

enum class Precision { fp32, fp16, bf16 };

inline const EnumNames<Precision>& precision_names() {
  static const EnumNames<Precision> n = {
      {"fp32", Precision::fp32}, {"bf16", Precision::bf16}, {"fp16", Precision::fp16}};
  return n;
}

inline Precision parse_precision(const std::string& s) {
  return parse_enum(s, precision_names(), "precision");
}

/// Autocast on `device` for the forward pass of a mixed-precision step (RAII: restores the
/// previous state, clears the cast cache on exit as torch.autocast does).
class AutocastScope {
 public:
  AutocastScope(Precision p, c10::DeviceType device)
      : device_(device), active_(p != Precision::fp32) {
    if (!active_) return;
    was_enabled_ = at::autocast::is_autocast_enabled(device_);
    was_dtype_ = at::autocast::get_autocast_dtype(device_);
    at::autocast::set_autocast_enabled(device_, true);
    at::autocast::set_autocast_dtype(device_, p == Precision::fp16 ? at::kHalf : at::kBFloat16);
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
