#include "suite/model_io/safetensors.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace spikebench::safetensors {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr uint64_t kMaxHeader = 100u << 20;  // the specification's limit

struct DType {
  const char* name;
  torch::ScalarType type;
  int64_t size;
};
constexpr DType kDTypes[] = {{"F64", torch::kFloat64, 8}, {"F32", torch::kFloat32, 4},
                             {"F16", torch::kFloat16, 2}, {"BF16", torch::kBFloat16, 2},
                             {"I64", torch::kInt64, 8},   {"I32", torch::kInt32, 4},
                             {"I16", torch::kInt16, 2},   {"I8", torch::kInt8, 1},
                             {"U8", torch::kUInt8, 1},    {"BOOL", torch::kBool, 1}};

const DType* dtype_named(const std::string& name) {
  for (const auto& d : kDTypes)
    if (name == d.name) return &d;
  return nullptr;
}

const DType& dtype_of(torch::ScalarType t, const std::string& tensor) {
  for (const auto& d : kDTypes)
    if (d.type == t) return d;
  fail("safetensors: tensor '", tensor, "' has dtype ", c10::toString(t),
       ", which the format cannot store");
}

/// numel · itemsize, or nullopt on overflow.
bool byte_size(const std::vector<int64_t>& shape, int64_t itemsize, uint64_t& out) {
  unsigned __int128 n = static_cast<unsigned __int128>(itemsize);
  for (const auto s : shape) {
    n *= static_cast<unsigned __int128>(s);
    if (n > (static_cast<unsigned __int128>(1) << 62)) return false;
  }
  out = static_cast<uint64_t>(n);
  return true;
}

Entry parse_entry(const std::string& where, const std::string& name, const json& v) {
  const std::string at = where + ": tensor '" + name + "'";
  if (!v.is_object()) fail(at, ": expected an object {dtype, shape, data_offsets}");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!v.contains(key)) fail(at, ": missing '", key, "'");
  Entry e;
  e.name = name;
  if (!v["dtype"].is_string()) fail(at, ": dtype is not a string");
  e.dtype = v["dtype"].get<std::string>();
  const DType* d = dtype_named(e.dtype);
  if (!d) fail(at, ": unsupported dtype '", e.dtype, "'");
  if (!v["shape"].is_array()) fail(at, ": shape is not an array");
  for (const auto& s : v["shape"]) {
    if (!s.is_number_unsigned() || s.get<uint64_t>() > (uint64_t(1) << 40))
      fail(at, ": shape holds ", s.dump(), ", not a dimension size");
    e.shape.push_back(static_cast<int64_t>(s.get<uint64_t>()));
  }
  const auto& off = v["data_offsets"];
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
      !off[1].is_number_unsigned())
    fail(at, ": data_offsets must be two non-negative integers");
  e.begin = off[0].get<uint64_t>();
  e.end = off[1].get<uint64_t>();
  uint64_t bytes = 0;
  if (!byte_size(e.shape, d->size, bytes)) fail(at, ": shape too large");
  if (e.end < e.begin || e.end - e.begin != bytes)
    fail(at, ": data_offsets [", e.begin, ", ", e.end, ") hold ", e.end - e.begin,
         " bytes, but dtype ", e.dtype, " and the shape need ", bytes);
  return e;
}

}  // namespace

Header parse_header(const std::string& where, const uint8_t* data, size_t size) {
  if (size < 8) fail(where, ": not a safetensors file (", size, " bytes, no header length)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | data[i];  // little-endian u64
  if (n > kMaxHeader) fail(where, ": header length ", n, " exceeds the format's 100 MB limit");
  if (n > size - 8) fail(where, ": header length ", n, " runs past the end of the file");
  json j;
  try {
    j = json::parse(data + 8, data + 8 + n);
  } catch (const json::exception& e) {
    fail(where, ": header is not JSON (", e.what(), ")");
  }
  if (!j.is_object()) fail(where, ": header is not a JSON object");
  Header h;
  h.buffer_start = 8 + n;
  for (const auto& [name, v] : j.items()) {
    if (name == "__metadata__") {
      if (!v.is_object()) fail(where, ": __metadata__ is not an object");
      for (const auto& [k, s] : v.items()) {
        if (!s.is_string()) fail(where, ": __metadata__ '", k, "' is not a string");
        h.metadata[k] = s.get<std::string>();
      }
      continue;
    }
    h.tensors.push_back(parse_entry(where, name, v));
  }
  // The buffer is tiled exactly: sorted by offset, no gaps, no overlaps, nothing after.
  std::vector<const Entry*> order;
  for (const auto& e : h.tensors) order.push_back(&e);
  std::sort(order.begin(), order.end(),
            [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
  uint64_t at = 0;
  for (const Entry* e : order) {
    if (e->begin != at)
      fail(where, ": tensor '", e->name, "' starts at byte ", e->begin, " of the buffer, expected ",
           at, " (holes and overlaps are invalid)");
    at = e->end;
  }
  const uint64_t buffer = size - h.buffer_start;
  if (at != buffer)
    fail(where, ": the tensors cover ", at, " bytes but the buffer after the header has ", buffer);
  return h;
}

std::map<std::string, torch::Tensor> read(const fs::path& file,
                                          std::map<std::string, std::string>* metadata) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(file.string(), ": cannot open");
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  const Header h = parse_header(file.string(), bytes.data(), bytes.size());
  std::map<std::string, torch::Tensor> out;
  for (const auto& e : h.tensors) {
    const DType* d = dtype_named(e.dtype);
    auto t = torch::empty(e.shape, torch::TensorOptions().dtype(d->type));
    if (e.end > e.begin)
      std::memcpy(t.data_ptr(), bytes.data() + h.buffer_start + e.begin, e.end - e.begin);
    out.emplace(e.name, std::move(t));
  }
  if (metadata) *metadata = h.metadata;
  return out;
}

void write(const fs::path& file, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
           const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> data;
  uint64_t at = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__" || header.contains(name))
      fail("safetensors: ", file.string(), ": duplicate or reserved tensor name '", name, "'");
    auto t = tensor.detach().to(torch::kCPU).contiguous();
    const auto& d = dtype_of(t.scalar_type(), name);
    const uint64_t bytes = static_cast<uint64_t>(t.numel() * d.size);
    header[name] = {
        {"dtype", d.name}, {"shape", t.sizes().vec()}, {"data_offsets", {at, at + bytes}}};
    at += bytes;
    data.push_back(std::move(t));
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the buffer starts 8-byte aligned
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(tmp.string(), ": cannot write");
    uint8_t len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(uint64_t(text.size()) >> (8 * i));
    out.write(reinterpret_cast<const char*>(len), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : data)
      out.write(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
    out.flush();
    if (!out) fail(tmp.string(), ": write failed (disk full?)");
  }
  fs::rename(tmp, file);
}

}  // namespace spikebench::safetensors
