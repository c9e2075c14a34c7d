#pragma once
// The in-memory results of one artifact run, mirroring the HDF5 layout (docs/results-format.md):
// groups holding attributes and numeric datasets. The engine appends to it; store.h
// writes it to disk atomically, so the file on disk is always a complete, readable HDF5 file.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace spikebench::results {

using Attr = std::variant<int64_t, double, std::string>;

/// A numeric dataset: row-major values with a shape of rank 1 or 2 ([rows] or [rows × cols]).
struct Dataset {
  std::vector<int64_t> shape;  // {rows} or {rows, cols}
  std::vector<double> values;  // row-major
  bool integer = false;        // stored as int64 in HDF5 (steps, token counts)
  int64_t rows() const { return shape.empty() ? 0 : shape[0]; }
  int64_t cols() const { return shape.size() > 1 ? shape[1] : 1; }
  void append(double v);                          // rank-1 row
  void append_row(const std::vector<double>& r);  // rank-2 row (sets cols on first row)
  /// Drops every row i where keep(i) is false.
  void keep_rows(const std::vector<bool>& keep);
};

class Group {
 public:
  std::map<std::string, Attr> attrs;
  std::map<std::string, Dataset> datasets;
  std::map<std::string, std::unique_ptr<Group>> groups;

  /// The child group at `path` ("a/b"), created if missing.
  Group& group(const std::string& path);
  /// The child group at `path`, or nullptr.
  const Group* find_group(const std::string& path) const;
  /// The dataset at `path` ("train/loss"), created (rank 1) if missing.
  Dataset& dataset(const std::string& path);
  const Dataset* find_dataset(const std::string& path) const;
  /// Attribute lookups that throw an Error naming the key when missing or of the wrong type.
  std::string attr_string(const std::string& key) const;
  double attr_number(const std::string& key) const;
  bool has_attr(const std::string& key) const { return attrs.count(key) > 0; }
};

/// A deep copy of a group (attributes, datasets and every subgroup).
Group clone(const Group& g);

/// Attribute as text (for reports and messages).
std::string to_string(const Attr& a);

}  // namespace spikebench::results
