#pragma once
// Hugging Face GPT-2 folders (config.json + model.safetensors, the layout of
// openai-community/gpt2 and of GPT2LMHeadModel.save_pretrained) to and from spikebench model
// folders. GPT-2 is the paper's Vanilla: Pre-LN (Eqs. 1–2), learned positions, LayerNorm with
// biases at eps 1e-5, FFN width 4d, output layer tied to the token embedding (footnote 5);
// its activation is the tanh approximation of GELU (activation_function "gelu_new").
//
// The weights map one to one; GPT-2's Conv1D stores x·W as W of shape (in, out), the transpose
// of a LibTorch Linear's (out, in):
//   wte.weight → token_embedding        wpe.weight → position_embedding
//   h.i.ln_1 → block i.norm1            h.i.attn.c_attn (d, 3d)ᵀ → block i.attention.qkv
//   h.i.ln_2 → block i.norm2            h.i.attn.c_proj (d, d)ᵀ  → block i.attention.out
//   ln_f → final_norm                   h.i.mlp.c_fc (d, 4d)ᵀ   → block i.ffn.w1
//                                       h.i.mlp.c_proj (4d, d)ᵀ → block i.ffn.w2
// (names with or without the "transformer." prefix; c_attn's output is [q | k | v], each split
// into heads in order, as attention's view (B, T, 3, h, d_head) reads it).
#include <filesystem>
#include <string>

#include "models/config.h"

namespace spikebench::hf {

/// Reads the GPT-2 folder `hf_dir` into the model folder `out`; configurations GPT-2 allows but
/// spikebench's decoder does not express (n_inner ≠ 4·n_embd, another layer_norm_epsilon, an
/// untied lm_head, …) are refused with the key named. Returns the imported config.
models::ModelConfig import_gpt2(const std::filesystem::path& hf_dir,
                                const std::filesystem::path& out);

/// Why `c` cannot be written as a GPT2LMHeadModel ("" when it can).
std::string gpt2_incompatibility(const models::ModelConfig& c);

/// Writes the model folder `ckpt` as a Hugging Face GPT-2 folder `out` (config.json,
/// model.safetensors) that GPT2LMHeadModel.from_pretrained loads; a configuration GPT-2 cannot
/// express is an Error giving the reason.
void export_gpt2(const std::filesystem::path& ckpt, const std::filesystem::path& out);

}  // namespace spikebench::hf
