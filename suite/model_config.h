#pragma once
// Builds a models::ModelConfig from a run's resolved config: the flavor named by `size`, then
// the per-key overrides a study may set, each type- and range-checked with the key named on
// error; a component's settings are declared beside the component and read here by key.
#include <optional>
#include <string>
#include <vector>

#include "models/config.h"
#include "suite/config/reader.h"
#include "suite/config/tree.h"

namespace spikebench {

/// Every key a decoder config accepts, with its default and a comment: the model's own keys,
/// then each registered component's settings (models/setting.h) as the component declares them.
/// Every runner that builds a decoder includes it in its own defaults; built on each call
/// (after the static registrations, never during them).
std::string model_keys_yaml();

/// The decoder's config from the keys of model_keys_yaml(); errors name `r.where()` and the key.
models::ModelConfig model_config(const config::Reader& r);

/// A YAML file of model keys (as a study writes them: size, init, stabilizers, ...) completed
/// with the defaults, --set overrides applied; nullopt when the file is a study (it has a
/// `runner`). An unknown key is an error naming the file.
std::optional<config::Tree> model_keys_file(const std::string& path,
                                            const std::vector<std::string>& sets);
/// model_config of `keys` (a run's config or model_keys_file's) at flavor `size` when it is not
/// empty: the size replaced and explicit dimensions (d, n_layers, n_heads, max_len, vocab,
/// sigma_d) dropped, so the flavor's apply.
models::ModelConfig model_config_at(const config::Tree& keys, const std::string& size,
                                    const std::string& where);

}  // namespace spikebench

namespace spikebench {

/// The inverse of model_config: every key of model_keys_yaml(), explicit, for `c` (built from
/// flavor `size`), so that model_config of the result rebuilds `c` exactly (d_ffn must be 4d).
YAML::Node model_keys(const models::ModelConfig& c, const std::string& size);

}  // namespace spikebench
