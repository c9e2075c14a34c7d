#pragma once
// SHA-256 (FIPS 180-4) of bytes and of files; used to pin the vocabulary files and to stamp
// token shards with the tokenizer that produced them.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace spikebench::datasets {

/// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  /// Lower-case hex digest; the object is finished afterwards.
  std::string hex_digest();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view bytes);
/// Hashes a file in 1 MiB chunks; throws spikebench::Error when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace spikebench::datasets
