// Decoder LM against an independent float64 PyTorch reference, in the spirit of llm.c's
// test_gpt2.c: tests/reference/decoder_reference.py computes, with plain tensor ops (its own
// norms, causal softmax attention, GELU, cross entropy), the logits, the cross entropy, the total
// loss and the gradient of the total loss w.r.t. every parameter of a tiny decoder LM (vocab 16,
// d 8, 2 heads, d_ffn 32, 2 layers, max_len 8) for each arch × norm × stabilizer, with weights
// set by a deterministic formula (no RNG) that fill_weights() below reproduces bit for bit.
// Regenerate the reference (and see its file format) with
//   /root/.cache/spikebench/torch-2.11.0/bin/python tests/reference/decoder_reference.py
#include <torch/torch.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/source_dir.h"
#include "models/decoder.h"

using namespace spikebench::models;

namespace {

// Per element: |got − want| ≤ kAtol + kRtol·|want|. The model computes in float32 (ε = 6e-8)
// against a float64 reference evaluated at the same (float32) weights, so the difference is the
// float32 rounding of the forward and backward passes. That rounding is absolute, on the scale of
// the O(1) quantities being summed (logits ≈ 1, Pre-LN gradients up to ≈ 3), not relative to each
// element: a float32 mirror of decoder.cpp built from the same ATen ops reaches |error| ≈ 3e-6 on
// logits ≈ 1 (0.32 of this tolerance; 1.17 of atol 1e-6, which is therefore too tight). The
// faintest stabilizer, z-loss with coefficient 1e-4, still moves the loss by ≈ 20× the
// tolerance and every other stabilizer moves some entry by ≥ 1e3× (the negative control below).
constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-5;

const char* const kMissing = "missing: ";  // prefix of an entry absent on one side

// ------------------------------------------------------------------ the reference file
struct Entry {
  std::vector<int64_t> shape;
  std::vector<double> values;  // row-major
};
using Entries = std::map<std::string, Entry>;

struct Reference {
  Entries globals;                         // inputs, targets, config numbers
  std::map<std::string, Entries> records;  // "<arch>/<norm>/<stabilizer>" -> entries
};

/// Little-endian reader of the format documented in decoder_reference.py:
///   file   := "SBREF001" u32 n_globals entry* u32 n_records record*
///   record := str name u32 n_entries entry*
///   entry  := str name u32 ndim u64 dims[ndim] f32 values[prod(dims)]
///   str    := u32 n_bytes bytes
class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) throw std::runtime_error("cannot open the reference file " + path);
  }
  std::string bytes(uint64_t n) {
    if (n > (1u << 20)) fail("implausible length " + std::to_string(n));
    std::string s(n, '\0');
    in_.read(&s[0], static_cast<std::streamsize>(n));
    if (!in_) fail("truncated");
    return s;
  }
  uint64_t unsigned_le(int n_bytes) {
    const auto b = bytes(static_cast<uint64_t>(n_bytes));
    uint64_t v = 0;
    for (int i = n_bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[i]);
    return v;
  }
  uint64_t u32() { return unsigned_le(4); }
  std::string str() { return bytes(u32()); }
  double f32() {
    const auto bits = static_cast<uint32_t>(unsigned_le(4));
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
  std::pair<std::string, Entry> entry() {
    std::pair<std::string, Entry> out;
    out.first = str();
    const uint64_t ndim = u32();
    if (ndim > 8) fail(out.first + ": implausible rank " + std::to_string(ndim));
    uint64_t numel = 1;
    for (uint64_t i = 0; i < ndim; ++i) {
      const uint64_t dim = unsigned_le(8);
      out.second.shape.push_back(static_cast<int64_t>(dim));
      numel *= dim;
      if (numel > (1u << 24)) fail(out.first + ": implausible size");
    }
    out.second.values.reserve(numel);
    for (uint64_t i = 0; i < numel; ++i) out.second.values.push_back(f32());
    return out;
  }
  bool at_end() { return in_.peek() == std::char_traits<char>::eof(); }
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error(path_ + ": " + why);
  }

 private:
  std::string path_;
  std::ifstream in_;
};

Reference load(const std::string& path) {
  Reader r(path);
  if (r.bytes(8) != "SBREF001") r.fail("not a spikebench reference file (magic SBREF001)");
  Reference ref;
  const auto read_entries = [&r](Entries& into, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) {
      auto e = r.entry();
      if (!into.emplace(e.first, std::move(e.second)).second) r.fail("duplicate entry " + e.first);
    }
  };
  read_entries(ref.globals, r.u32());
  for (uint64_t i = 0, n = r.u32(); i < n; ++i) {
    const auto key = r.str();
    if (ref.records.count(key)) r.fail("duplicate record " + key);
    read_entries(ref.records[key], r.u32());
  }
  if (!r.at_end()) r.fail("trailing bytes");
  return ref;
}

const Reference& reference() {
  static const Reference ref =
      load(std::string(spikebench::source_dir()) + "/tests/reference/decoder_reference.bin");
  return ref;
}

torch::Tensor tokens(const Entry& e) {
  std::vector<int64_t> ids;
  for (double v : e.values) ids.push_back(static_cast<int64_t>(v));
  return torch::tensor(ids, torch::kLong).view(e.shape);
}

// ------------------------------------------------------------------ model and weights
ModelConfig reference_config(const std::string& arch, const std::string& norm,
                             const std::string& stabilizer) {
  ModelConfig c;
  c.vocab = 16, c.d = 8, c.n_heads = 2, c.d_ffn = 32, c.n_layers = 2, c.max_len = 8;
  c.dropout = 0.0, c.bias = true;
  c.arch = spikebench::parse_enum(arch, arch_names(), "arch");
  c.norm = norm;
  c.init = "scaled";  // irrelevant: fill_weights() overwrites every parameter
  c.activation = Activation::gelu;
  c.stabilizers = {stabilizer};
  c.settings["embed_detach_gamma"] = 0.1, c.settings["z_loss"] = 1e-4;
  return c;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// Element j (row-major) of the parameter called `name` with `dim` dimensions; the rule of
/// decoder_reference.py: k = (sum of the name's character codes) mod 97, s = sin(0.37 j + 0.11 k);
/// 0.2 s for 2-D tensors, 0.05 s for 1-D ".bias", 1 + 0.1 s for 1-D ".weight" (norm gains).
double formula(const std::string& name, int64_t dim, int64_t j) {
  int64_t k = 0;
  for (unsigned char ch : name) k += ch;
  k %= 97;
  const double s = std::sin(0.37 * static_cast<double>(j) + 0.11 * static_cast<double>(k));
  if (dim == 2) return 0.2 * s;
  if (dim == 1 && ends_with(name, ".bias")) return 0.05 * s;
  if (dim == 1 && ends_with(name, ".weight")) return 1.0 + 0.1 * s;
  throw std::runtime_error("no weight rule for parameter " + name);
}

/// Every parameter from the formula, computed in double and rounded to the parameter's float32.
void fill_weights(DecoderLM& m) {
  torch::NoGradGuard no_grad;
  for (auto& p : m->named_parameters()) {
    auto& w = p.value();
    auto values = torch::empty({w.numel()}, torch::kDouble);
    auto* v = values.data_ptr<double>();
    for (int64_t j = 0; j < w.numel(); ++j) v[j] = formula(p.key(), w.dim(), j);
    w.copy_(values.view(w.sizes()));
  }
}

// ------------------------------------------------------------------ comparison
std::string shape_str(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? "," : "") << shape[i];
  return os.str() + "]";
}

/// Empty when every element of `got` is within tolerance of `want`, else why not.
std::string mismatch(const torch::Tensor& got, const Entry& want) {
  const auto sizes = got.sizes();
  const std::vector<int64_t> shape(sizes.begin(), sizes.end());
  if (shape != want.shape)
    return "shape " + shape_str(shape) + ", reference " + shape_str(want.shape);
  const auto g = got.detach().to(torch::kDouble).contiguous();
  const double* p = g.data_ptr<double>();
  size_t bad = 0, worst = 0;
  double worst_excess = 0;
  for (size_t i = 0; i < want.values.size(); ++i) {
    const double w = want.values[i];
    const double excess = std::abs(p[i] - w) / (kAtol + kRtol * std::abs(w));
    if (!(excess <= 1.0)) ++bad;  // NaN counts as a mismatch
    if (!(excess <= worst_excess)) {
      worst_excess = excess;
      worst = i;
    }
  }
  if (bad == 0) return "";
  std::ostringstream os;
  os << std::setprecision(9) << bad << " of " << want.values.size()
     << " elements outside |got - want| <= " << kAtol << " + " << kRtol
     << "|want|; worst at flat index " << worst << ": got " << p[worst] << ", want "
     << want.values[worst] << " (" << worst_excess << "x the tolerance)";
  return os.str();
}

/// Runs `m` (eval, weights already set) on the reference batch and compares its logits, cross
/// entropy, total loss and every parameter's gradient with `want`. Returns, per entry name, why
/// it differs; an entry present on one side only (a missing or extra parameter) is a difference.
std::map<std::string, std::string> compare(DecoderLM& m, const Entries& want) {
  const auto& globals = reference().globals;
  const auto inputs = tokens(globals.at("inputs")), targets = tokens(globals.at("targets"));
  m->eval();
  std::map<std::string, torch::Tensor> got;
  {
    torch::NoGradGuard no_grad;
    got["logits"] = m->forward(inputs);
  }
  const auto loss = m->loss(inputs, targets);
  loss.total.backward();
  got["cross_entropy"] = loss.cross_entropy.detach();
  got["loss"] = loss.total.detach();

  std::map<std::string, std::string> diffs;
  for (const auto& p : m->named_parameters()) {
    const auto& grad = p.value().grad();
    if (grad.defined())
      got["grad/" + p.key()] = grad;
    else
      diffs["grad/" + p.key()] = "the parameter got no gradient";
  }
  for (const auto& kv : got) {
    const auto it = want.find(kv.first);
    if (it == want.end())
      diffs[kv.first] = std::string(kMissing) + "the model has it, the reference does not";
    else if (auto why = mismatch(kv.second, it->second); !why.empty())
      diffs[kv.first] = why;
  }
  for (const auto& kv : want)
    if (!got.count(kv.first) && !diffs.count(kv.first))
      diffs[kv.first] = std::string(kMissing) + "the reference has it, the model does not";
  return diffs;
}

}  // namespace

TEST_CASE("reference file: the 28 configurations of the tiny decoder and their batch",
          "[models][reference]") {
  const auto& ref = reference();
  const auto c = reference_config("preln", "layernorm", "vanilla");
  const std::map<std::string, double> numbers = {
      {"vocab", static_cast<double>(c.vocab)},
      {"d", static_cast<double>(c.d)},
      {"n_heads", static_cast<double>(c.n_heads)},
      {"d_ffn", static_cast<double>(c.d_ffn)},
      {"n_layers", static_cast<double>(c.n_layers)},
      {"max_len", static_cast<double>(c.max_len)},
      {"embed_detach_gamma", c.setting("embed_detach_gamma")},
      {"z_loss", c.setting("z_loss")}};
  for (const auto& [name, value] : numbers) {
    INFO(name);
    REQUIRE(ref.globals.count(name) == 1);
    REQUIRE(ref.globals.at(name).values.size() == 1);
    CHECK(ref.globals.at(name).values[0] == static_cast<double>(static_cast<float>(value)));
  }
  REQUIRE(ref.globals.count("inputs") == 1);
  REQUIRE(ref.globals.count("targets") == 1);
  const std::vector<int64_t> batch_shape = {2, 7};
  CHECK(ref.globals.at("inputs").shape == batch_shape);
  CHECK(ref.globals.at("targets").shape == batch_shape);
  CHECK(ref.records.size() == 28);
}

TEST_CASE("decoder LM matches the float64 reference: logits, losses and every gradient",
          "[models][reference]") {
  const auto arch = GENERATE(as<std::string>{}, "preln", "postln");
  const auto norm = GENERATE(as<std::string>{}, "layernorm", "rmsnorm");
  const auto stabilizer =
      GENERATE(as<std::string>{}, "vanilla", "embed_detach", "embed_ln", "scaled_embed",
               "qk_layernorm", "z_loss", "sublayer_norm");
  const std::string key = arch + "/" + norm + "/" + stabilizer;
  CAPTURE(key);
  const auto& records = reference().records;
  REQUIRE(records.count(key) == 1);
  DecoderLM m(reference_config(arch, norm, stabilizer));
  fill_weights(m);
  const auto diffs = compare(m, records.at(key));
  for (const auto& [entry, why] : diffs) {
    INFO(entry);
    FAIL_CHECK(why);
  }
  CHECK(diffs.empty());
}

TEST_CASE("negative control: a model missing its stabilizer fails the reference comparison",
          "[models][reference]") {
  // These stabilizers own no parameters, so a vanilla model has the same parameter names and
  // hence the same weights: only the stabilizer's effect separates it from the reference.
  // Scaled Embed changes the logits, Embed Detach only the embedding gradient (the forward is
  // unchanged), z-loss the total loss.
  const auto arch = GENERATE(as<std::string>{}, "preln", "postln");
  const auto norm = GENERATE(as<std::string>{}, "layernorm", "rmsnorm");
  const auto stabilizer = GENERATE(as<std::string>{}, "scaled_embed", "embed_detach", "z_loss");
  const std::map<std::string, std::string> changed = {
      {"scaled_embed", "logits"}, {"embed_detach", "grad/token_embedding"}, {"z_loss", "loss"}};
  const std::string key = arch + "/" + norm + "/" + stabilizer;
  CAPTURE(key);
  DecoderLM m(reference_config(arch, norm, "vanilla"));
  fill_weights(m);
  const auto diffs = compare(m, reference().records.at(key));
  CHECK(diffs.count(changed.at(stabilizer)) == 1);
  for (const auto& [entry, why] : diffs) {
    INFO(entry << ": " << why);
    CHECK(why.rfind(kMissing, 0) != 0);  // a value difference, not a name mismatch
  }
}
