#pragma once
// HDF5 persistence of a results tree. Writes go to "<file>.tmp" and are renamed over the file
// (after fsync), so a process killed at any moment — SIGKILL included — leaves the previous
// complete file: HDF5 1.10 offers no crash consistency for in-place appends outside SWMR mode,
// and SWMR forbids creating the groups a run adds as it goes.
#include <filesystem>

#include "suite/results/tree.h"

namespace spikebench::results {

/// Writes `root` to `path` atomically (temporary file + fsync + rename).
void save(const Group& root, const std::filesystem::path& path);
/// Reads a results file written by save() (or any HDF5 file of groups, numeric datasets and
/// scalar attributes); throws an Error naming the file when it is not readable HDF5.
Group load(const std::filesystem::path& path);

}  // namespace spikebench::results
