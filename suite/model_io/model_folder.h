#pragma once
// A model folder: a trained (or imported) decoder LM that `spikebench eval --checkpoint` scores
// and `export-hf` converts. Two files:
//   spikebench.yaml     the model's config as the keys of a study (suite/model_config.h, every
//                       key explicit) under `model:`, plus where the weights came from and the
//                       evaluation settings the producing run used (so `eval --checkpoint`
//                       repeats them by default)
//   model.safetensors   the weights by LibTorch parameter name (`block0.attention.qkv.weight`)
// train_lm writes one per run with `save_model: true` (<out>/<study>-<scale>.models/<run>/);
// `import-hf` writes one from a Hugging Face GPT-2 folder. Resumable training state (optimizer,
// RNG, data position) lives in the run's `last.pt`, not here.
#include <cstdint>
#include <filesystem>
#include <string>

#include "models/decoder.h"

namespace spikebench {

struct ModelFolderInfo {
  std::string size = "350m";  // the flavor the config was built from (every key is explicit)
  std::string source;     // "run fig1 vanilla-cpu-lr1e-03-s0 after 150 updates", "import-hf …"
  int64_t step = 0;       // updates trained (0: imported)
  std::string tokenizer;  // gpt2 | bytes | none (a vocabulary of neither)
  int64_t seq_len = 0;    // evaluation window the producer used (0: the model's max_len)
  int64_t eval_overlap = 32;  // Megatron overlapping_eval
  int64_t eval_batch = 8;     // windows / examples per forward
};

/// Writes `model` (its config and weights, as float32 unless stored otherwise) into `dir`.
void save_model_folder(const std::filesystem::path& dir, models::DecoderLM& model,
                       const ModelFolderInfo& info);

/// The model of folder `dir` (on CPU, eval mode); `info` receives its provenance. Errors name
/// the folder and the file, key or tensor at fault.
models::DecoderLM load_model_folder(const std::filesystem::path& dir, ModelFolderInfo* info);

}  // namespace spikebench
