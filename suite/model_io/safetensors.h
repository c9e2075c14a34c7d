#pragma once
// safetensors (https://huggingface.co/docs/safetensors), the tensor file format of the Hugging
// Face ecosystem, read and written here in ~200 lines rather than through a library: the format
// is one page (8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape,
// data_offsets: [begin, end)}, "__metadata__": {str: str}}, then the byte buffer), Debian and
// PyPI ship no C++ implementation, and a small reader can be fuzzed (fuzz/fuzz_safetensors.cpp)
// and made to reject every malformed header with the file and tensor named.
//
// The reader enforces the specification's rules: header ≤ 100 MB of a JSON object; known dtypes;
// non-negative shapes; end − begin = numel · itemsize; offsets in bounds, and the tensors tile
// the buffer (sorted, no holes, no overlaps) as the reference implementation requires.
#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace spikebench::safetensors {

struct Entry {
  std::string name, dtype;  // dtype: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte range in the buffer after the header
};

struct Header {
  std::vector<Entry> tensors;  // by name
  std::map<std::string, std::string> metadata;
  uint64_t buffer_start = 0;  // 8 + N
};

/// Parses and validates the header of a safetensors file whose bytes are [data, data + size);
/// errors (spikebench::Error) begin with `where`.
Header parse_header(const std::string& where, const uint8_t* data, size_t size);

/// Every tensor of `file`, by name, with its stored dtype (on CPU, contiguous).
std::map<std::string, torch::Tensor> read(const std::filesystem::path& file,
                                          std::map<std::string, std::string>* metadata = nullptr);

/// Writes `tensors` (any device; stored contiguous, in the given order) to `file`, via a
/// temporary name and a rename.
void write(const std::filesystem::path& file,
           const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
           const std::map<std::string, std::string>& metadata = {});

}  // namespace spikebench::safetensors
