#include "suite/data/text_tokens.h"

#include <torch/torch.h>

#include "core/error.h"
#include "datasets/bpe.h"
#include "datasets/document.h"

namespace spikebench {

torch::Tensor c4_token_block(const std::filesystem::path& data_dir, int64_t batch, int64_t seq_len,
                             int64_t offset, int64_t vocab) {
  const auto file = data_dir / "c4" / "c4-train.00000-of-01024.first1000.json.gz";
  const int64_t need = offset + batch * (seq_len + 1);
  auto source = datasets::open_source("c4", {file});
  std::vector<int32_t> ids;
  datasets::Document doc;
  const bool bytes = vocab == 256;
  std::optional<datasets::Gpt2Tokenizer> bpe;
  if (!bytes) bpe.emplace(datasets::Gpt2Tokenizer::load(data_dir / "gpt2"));
  while (static_cast<int64_t>(ids.size()) < need && source->next(doc)) {
    if (bytes) {
      for (unsigned char ch : doc.text) ids.push_back(ch);
    } else {
      bpe->encode_ordinary(doc.text, ids);
      ids.push_back(datasets::Gpt2Tokenizer::kEndOfText);
    }
  }
  if (static_cast<int64_t>(ids.size()) < need)
    fail(file.string(), ": only ", ids.size(), " tokens, ", need, " needed");
  if (!bytes && vocab < datasets::Gpt2Tokenizer::kVocabSize)
    fail("model vocabulary ", vocab, " is smaller than GPT-2's; use vocab 50257 or 256 (bytes)");
  auto t = torch::from_blob(ids.data() + offset, {batch, seq_len + 1}, torch::kInt32);
  return t.to(torch::kInt64);
}

}  // namespace spikebench
