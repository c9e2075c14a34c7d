#include "suite/results/tree.h"

#include <sstream>

#include "core/error.h"

namespace spikebench::results {

void Dataset::append(double v) {
  if (shape.empty()) shape = {0};
  if (shape.size() != 1) fail("results: append of a scalar to a rank-2 dataset");
  values.push_back(v);
  shape[0] += 1;
}

void Dataset::append_row(const std::vector<double>& r) {
  if (shape.empty()) shape = {0, static_cast<int64_t>(r.size())};
  if (shape.size() != 2 || shape[1] != static_cast<int64_t>(r.size()))
    fail("results: row of width ", r.size(), " appended to a dataset of another shape");
  values.insert(values.end(), r.begin(), r.end());
  shape[0] += 1;
}

void Dataset::keep_rows(const std::vector<bool>& keep) {
  if (shape.empty()) return;  // created, never appended: no rows to drop
  const int64_t w = cols();
  std::vector<double> kept;
  int64_t n = 0;
  for (int64_t i = 0; i < rows(); ++i) {
    if (i < static_cast<int64_t>(keep.size()) && !keep[i]) continue;
    kept.insert(kept.end(), values.begin() + i * w, values.begin() + (i + 1) * w);
    ++n;
  }
  values = std::move(kept);
  shape[0] = n;
}

namespace {

std::pair<std::string, std::string> split_first(const std::string& path) {
  auto slash = path.find('/');
  if (slash == std::string::npos) return {path, ""};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

std::pair<std::string, std::string> split_last(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

Group& Group::group(const std::string& path) {
  if (path.empty()) return *this;
  auto [head, rest] = split_first(path);
  auto& child = groups[head];
  if (!child) child = std::make_unique<Group>();
  return child->group(rest);
}

const Group* Group::find_group(const std::string& path) const {
  if (path.empty()) return this;
  auto [head, rest] = split_first(path);
  auto it = groups.find(head);
  return it == groups.end() ? nullptr : it->second->find_group(rest);
}

Dataset& Group::dataset(const std::string& path) {
  auto [dir, name] = split_last(path);
  return group(dir).datasets[name];
}

const Dataset* Group::find_dataset(const std::string& path) const {
  auto [dir, name] = split_last(path);
  const Group* g = find_group(dir);
  if (!g) return nullptr;
  auto it = g->datasets.find(name);
  return it == g->datasets.end() ? nullptr : &it->second;
}

std::string Group::attr_string(const std::string& key) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) fail("results: missing attribute '", key, "'");
  return to_string(it->second);
}

double Group::attr_number(const std::string& key) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) fail("results: missing attribute '", key, "'");
  if (auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  if (auto* d = std::get_if<double>(&it->second)) return *d;
  fail("results: attribute '", key, "' is not a number");
}

Group clone(const Group& g) {
  Group c;
  c.attrs = g.attrs;
  c.datasets = g.datasets;
  for (const auto& [name, child] : g.groups)
    c.groups[name] = std::make_unique<Group>(clone(*child));
  return c;
}

std::string to_string(const Attr& a) {
  if (auto* s = std::get_if<std::string>(&a)) return *s;
  std::ostringstream os;
  os.precision(17);
  if (auto* i = std::get_if<int64_t>(&a))
    os << *i;
  else
    os << std::get<double>(a);
  return os.str();
}

}  // namespace spikebench::results
