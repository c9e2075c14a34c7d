#pragma once
// Where the data folder is: --data-dir, else $SPIKEBENCH_DATA_DIR, else a local mirror beside the
// source tree (../shared/data, as in this project's CI). Never inside the repository.
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/source_dir.h"


namespace spikebench {

/// Resolves and validates the data folder; throws an Error telling how to get one.
inline std::filesystem::path resolve_data_dir(const std::optional<std::string>& flag = {}) {
  namespace fs = std::filesystem;
  std::string source;
  fs::path dir;
  if (flag && !flag->empty()) {
    dir = *flag, source = "--data-dir";
  } else if (const char* env = std::getenv("SPIKEBENCH_DATA_DIR"); env && *env) {
    dir = env, source = "SPIKEBENCH_DATA_DIR";
  } else {
    dir = fs::path(source_dir()) / ".." / "shared" / "data", source = "default mirror";
    if (!fs::is_directory(dir))
      fail(
          "no data folder: pass --data-dir DIR or set SPIKEBENCH_DATA_DIR, or run "
          "scripts/fetch-data.sh to download the datasets");
  }
  if (!fs::is_directory(dir))
    fail("data folder '", dir.string(), "' (from ", source,
         ") does not exist; run "
         "scripts/fetch-data.sh or point --data-dir at a mirror");
  return fs::canonical(dir);
}

}  // namespace spikebench
