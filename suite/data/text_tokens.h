#pragma once
// Real text as a token block for init-time measurements (Figs. 2, 3; App. C): the C4 sample of
// the data folder, GPT-2 BPE ids (or raw bytes when the model's vocabulary is 256), with
// <|endoftext|> between documents.
#include <torch/types.h>

#include <filesystem>

namespace spikebench {

/// (batch, seq_len + 1) int64 tokens, starting `offset` tokens into the C4 sample stream.
torch::Tensor c4_token_block(const std::filesystem::path& data_dir, int64_t batch, int64_t seq_len,
                             int64_t offset, int64_t vocab);

}  // namespace spikebench
