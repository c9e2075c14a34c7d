#pragma once
// Normalization layers chosen by name: `layernorm` (Ba et al. 2016) and `rmsnorm` (Zhang &
// Sennrich 2019, §5.3). Both have the gradient order of Eqs. (12)/(16): O(sqrt(d) / ||x||_2).
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/registry.h"
#include "models/setting.h"

namespace spikebench::models {

/// A normalization over the last dimension, with a learned gain (and bias where it has one).
class NormImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;  // (..., d) -> (..., d)
};

struct NormKind {
  static constexpr const char* kKind = "norm";
  /// The norm over d; `settings` holds the model's setting values (its own read with
  /// setting_value(settings, key): a key left out is at its declared default).
  std::function<std::shared_ptr<NormImpl>(int64_t d, bool bias, const SettingValues& settings)>
      make;
  std::vector<Setting> settings = {};  // the config keys it reads (models/setting.h)
};

/// Builds the registered norm `name` over dimension d (throws listing the valid names).
std::shared_ptr<NormImpl> make_norm(const std::string& name, int64_t d, bool bias,
                                    const SettingValues& settings);

}  // namespace spikebench::models
