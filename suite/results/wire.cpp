#include "suite/results/wire.h"

#include <cstring>

#include "core/error.h"

namespace spikebench::results {
namespace {

// Layout, little-endian host order (same binary at both ends):
//   group   := u64 n_attrs, attr*, u64 n_datasets, dataset*, u64 n_groups, (name group)*
//   attr    := name, u8 kind (0 int64, 1 double, 2 string), value
//   dataset := name, u8 integer, u64 rank, i64 shape[rank], u64 n, f64 values[n]
//   name    := u64 length, bytes
template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void put_string(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}

void put_group(std::string& out, const Group& g) {
  put<uint64_t>(out, g.attrs.size());
  for (const auto& [name, a] : g.attrs) {
    put_string(out, name);
    put<uint8_t>(out, static_cast<uint8_t>(a.index()));
    if (const auto* i = std::get_if<int64_t>(&a)) put(out, *i);
    if (const auto* d = std::get_if<double>(&a)) put(out, *d);
    if (const auto* s = std::get_if<std::string>(&a)) put_string(out, *s);
  }
  put<uint64_t>(out, g.datasets.size());
  for (const auto& [name, ds] : g.datasets) {
    put_string(out, name);
    put<uint8_t>(out, ds.integer ? 1 : 0);
    put<uint64_t>(out, ds.shape.size());
    for (const int64_t s : ds.shape) put(out, s);
    put<uint64_t>(out, ds.values.size());
    out.append(reinterpret_cast<const char*>(ds.values.data()), ds.values.size() * sizeof(double));
  }
  put<uint64_t>(out, g.groups.size());
  for (const auto& [name, child] : g.groups) {
    put_string(out, name);
    put_group(out, *child);
  }
}

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}

  template <typename T>
  T get() {
    T v;
    std::memcpy(&v, take(sizeof v), sizeof v);
    return v;
  }
  /// A count of items each at least `min_bytes` long: bounded by what is left.
  uint64_t count(size_t min_bytes) {
    const auto n = get<uint64_t>();
    if (n > (b_.size() - at_) / min_bytes) fail("results: bad tree bytes (count ", n, ")");
    return n;
  }
  std::string string() {
    const auto n = count(1);
    return std::string(take(n), n);
  }
  const char* take(size_t n) {
    if (n > b_.size() - at_) fail("results: truncated tree bytes");
    const char* p = b_.data() + at_;
    at_ += n;
    return p;
  }
  bool done() const { return at_ == b_.size(); }

 private:
  std::string_view b_;
  size_t at_ = 0;
};

void get_group(Reader& r, Group& g, int depth) {
  if (depth > 64) fail("results: tree nested too deeply");
  for (uint64_t i = 0, n = r.count(9); i < n; ++i) {
    std::string name = r.string();
    switch (r.get<uint8_t>()) {
      case 0: g.attrs[name] = r.get<int64_t>(); break;
      case 1: g.attrs[name] = r.get<double>(); break;
      case 2: g.attrs[name] = r.string(); break;
      default: fail("results: bad attribute kind in tree bytes");
    }
  }
  for (uint64_t i = 0, n = r.count(25); i < n; ++i) {
    Dataset& ds = g.datasets[r.string()];
    ds.integer = r.get<uint8_t>() != 0;
    for (uint64_t k = 0, rank = r.count(8); k < rank; ++k) ds.shape.push_back(r.get<int64_t>());
    ds.values.resize(r.count(sizeof(double)));
    const char* p = r.take(ds.values.size() * sizeof(double));
    if (!ds.values.empty()) std::memcpy(ds.values.data(), p, ds.values.size() * sizeof(double));
  }
  for (uint64_t i = 0, n = r.count(16); i < n; ++i) {
    auto& child = g.groups[r.string()];
    child = std::make_unique<Group>();
    get_group(r, *child, depth + 1);
  }
}

}  // namespace

std::string encode(const Group& g) {
  std::string out;
  put_group(out, g);
  return out;
}

Group decode(std::string_view bytes) {
  Reader r(bytes);
  Group g;
  get_group(r, g, 0);
  if (!r.done()) fail("results: trailing tree bytes");
  return g;
}

}  // namespace spikebench::results
