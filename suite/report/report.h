#pragma once
// The report: figures (PNG + SVG, drawn like the paper's panels) and tables (ours beside the
// paper's, with check verdicts) for every results file in a folder, linked from index.html.
// Rendering is done by scripts/report.py (Debian's python3-matplotlib + python3-h5py reading
// the HDF5 files), which this runs.
#include <filesystem>
#include <string>
#include <vector>

namespace spikebench::report {

/// Renders `results_dir`/report/ from the *.h5 files in `results_dir`; throws on failure.
void render(const std::filesystem::path& results_dir);

/// Runs scripts/`script` (Python, Debian's /usr/bin/python3) with `args`; throws on failure.
void run_script(const std::string& script, const std::vector<std::string>& args);

}  // namespace spikebench::report
