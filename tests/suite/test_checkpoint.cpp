// Model folders and the safetensors reader/writer: round trips, and malformed files rejected
// with the file and tensor named (the specification's rules: suite/model_io/safetensors.h).
#include <torch/torch.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "models/config.h"
#include "models/decoder.h"
#include "suite/model_io/model_folder.h"
#include "suite/model_io/safetensors.h"

namespace fs = std::filesystem;
namespace st = spikebench::safetensors;

namespace {

fs::path temp(const std::string& name) {
  return fs::temp_directory_path() / ("spikebench-ckpt-" + name + "-" + std::to_string(::getpid()));
}

/// A file of the 8-byte length, `header` and `buffer` bytes.
std::vector<uint8_t> file_of(const std::string& header, size_t buffer) {
  std::vector<uint8_t> f(8 + header.size() + buffer, 0);
  uint64_t n = header.size();
  std::memcpy(f.data(), &n, 8);
  std::memcpy(f.data() + 8, header.data(), header.size());
  return f;
}

std::string error_of(const std::string& header, size_t buffer) {
  const auto f = file_of(header, buffer);
  try {
    st::parse_header("x.safetensors", f.data(), f.size());
  } catch (const spikebench::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("safetensors: write then read returns every tensor, dtype and metadata", "[checkpoint]") {
  const fs::path file = temp("rt") += ".safetensors";
  auto a = torch::randn({3, 5});
  auto b = torch::arange(7, torch::kInt64);
  auto c = torch::randn({2, 2}).to(torch::kBFloat16);
  auto e = torch::empty({0, 4});
  st::write(file, {{"a", a}, {"b", b}, {"c", c}, {"e", e}}, {{"format", "pt"}});
  std::map<std::string, std::string> meta;
  const auto r = st::read(file, &meta);
  REQUIRE(r.size() == 4);
  CHECK(torch::equal(r.at("a"), a));
  CHECK(torch::equal(r.at("b"), b));
  CHECK(r.at("c").scalar_type() == torch::kBFloat16);
  CHECK(torch::equal(r.at("c"), c));
  CHECK(r.at("e").sizes() == e.sizes());
  CHECK(meta.at("format") == "pt");
  // The buffer starts 8-byte aligned, as the format recommends.
  std::ifstream in(file, std::ios::binary);
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  CHECK(n % 8 == 0);
  fs::remove(file);
}

TEST_CASE("safetensors: malformed headers are errors naming the file and the tensor",
          "[checkpoint]") {
  const std::string ok = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  CHECK(error_of(ok, 8).empty());
  CHECK_THAT(error_of(ok, 12), Catch::Contains("cover 8 bytes but the buffer"));
  CHECK_THAT(error_of(ok, 4), Catch::Contains("cover 8 bytes"));
  CHECK_THAT(error_of(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
             Catch::Contains("tensor 'w'"));
  CHECK_THAT(error_of(R"({"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", 8),
             Catch::Contains("unsupported dtype 'Q4'"));
  CHECK_THAT(error_of(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8),
             Catch::Contains("not a dimension size"));
  CHECK_THAT(error_of(R"({"w":{"dtype":"F32","shape":[2]}})", 8),
             Catch::Contains("missing 'data_offsets'"));
  CHECK_THAT(error_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
                         "b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                      12),
             Catch::Contains("holes and overlaps"));
  CHECK_THAT(error_of(R"({"w":{"dtype":"F32","shape":[1048576,1048576,1048576,16],
                         "data_offsets":[0,8]}})",
                      8),
             Catch::Contains("shape too large"));
  CHECK_THAT(error_of("[1, 2]", 0), Catch::Contains("not a JSON object"));
  CHECK_THAT(error_of("{\"w\": ", 0), Catch::Contains("not JSON"));
  CHECK_THAT(error_of(R"({"__metadata__":{"format":1}})", 0), Catch::Contains("'format'"));
  const std::vector<uint8_t> short_file = {1, 2, 3};
  CHECK_THROWS_WITH(st::parse_header("x", short_file.data(), short_file.size()),
                    Catch::Contains("no header length"));
  auto huge = file_of("{}", 0);
  huge[7] = 0x7f;  // a length of ~9e18
  CHECK_THROWS_WITH(st::parse_header("x", huge.data(), huge.size()),
                    Catch::Contains("100 MB limit"));
}

TEST_CASE("a model folder rebuilds the model: config and weights, same logits", "[checkpoint]") {
  auto config = spikebench::models::flavor("tiny").config;
  config.stabilizers = {"scaled_embed", "qk_layernorm"};
  config.activation = spikebench::models::Activation::gelu_tanh;
  config.dropout = 0.0;
  torch::manual_seed(3);
  spikebench::models::DecoderLM model(config);
  model->eval();
  const fs::path dir = temp("folder");
  fs::remove_all(dir);
  spikebench::ModelFolderInfo info;
  info.size = "tiny";
  info.source = "test";
  info.tokenizer = "none";
  info.seq_len = 12;
  spikebench::save_model_folder(dir, model, info);
  spikebench::ModelFolderInfo back;
  auto loaded = spikebench::load_model_folder(dir, &back);
  CHECK(back.seq_len == 12);
  CHECK(back.source == "test");
  CHECK(loaded->config().stabilizers == config.stabilizers);
  CHECK(loaded->config().activation == config.activation);
  const auto ids = torch::randint(0, config.vocab, {2, 10});
  torch::NoGradGuard no_grad;
  CHECK(torch::equal(model->forward(ids), loaded->forward(ids)));
  // A folder whose weights miss a tensor names it.
  auto tensors = st::read(dir / "model.safetensors");
  std::vector<std::pair<std::string, torch::Tensor>> fewer;
  for (const auto& [k, v] : tensors)
    if (k != "final_norm.bias") fewer.emplace_back(k, v);
  st::write(dir / "model.safetensors", fewer);
  CHECK_THROWS_WITH(spikebench::load_model_folder(dir, nullptr),
                    Catch::Contains("no tensor 'final_norm.bias'"));
  fs::remove_all(dir);
}
