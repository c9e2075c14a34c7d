// The token-shard reader (`prepare` output, memory-mapped): a malformed header, a size that
// does not match the header, or a document index out of order is an Error; a shard that opens
// can be read end to end.
#include "datasets/shards.h"
#include "fuzz/fuzz_common.h"

using namespace spikebench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path =
      fuzz::scratch_file({reinterpret_cast<const char*>(data), size}, "train-00000.bin");
  fuzz::expect_ok_or_error([&] {
    const auto shard = datasets::Shard::open(path);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < shard.num_tokens(); ++i) sum += shard.tokens()[i];
    for (uint64_t d = 0; d <= shard.num_documents(); ++d)
      if (shard.document_start(d) > shard.num_tokens())
        fuzz::property_failed("document start past the end");
    (void)sum;
  });
  return 0;
}
