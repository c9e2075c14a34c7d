#pragma once
// Every `spikebench` sub-command, with its one-line summary: the single list `--help` prints.
// The LibTorch-free ones (text and data tools) are those linked into the `spikebench` executable
// (cli/CMakeLists.txt), which runs them itself; for every other command it
// executes `spikebench-suite` in its place (cli/main.cpp).
#include <cstring>

namespace spikebench::cli {

struct CommandInfo {
  const char* name;
  const char* summary;
};

inline constexpr CommandInfo kCommands[] = {
    {"bleu", "SacreBLEU-identical corpus/sentence BLEU of a system output"},
    {"check", "re-evaluate the checks of results files (exit 1 on a failure)"},
    {"compare", "a stabilizer against baselines: LR sensitivity, spikes, paired tests, one page"},
    {"decode", "text of GPT-2 token ids (inverse of encode)"},
    {"encode", "GPT-2 token ids of a text file (per line, per jsonl document, or whole)"},
    {"diagnose",
     "init-time stability of a model config: the LN-driven gradient growth (Figs. 2-3)"},
    {"eval", "zero-shot WikiText-103 / LAMBADA evaluation of a checkpoint (Megatron-LM's)"},
    {"export-hf", "write a model folder as a Hugging Face GPT-2 folder (safetensors)"},
    {"import-hf", "read a Hugging Face GPT-2 folder (safetensors) into a model folder"},
    {"list", "list the paper's artifacts (tables, figures) and their scales"},
    {"prepare", "tokenize a corpus into GPT-2 token shards (train/valid)"},
    {"preregister", "record a confirmatory design (claims, grid, rerun rule) before its runs"},
    {"report", "render figures (PNG/SVG), tables and index.html from results"},
    {"reproduce", "run every artifact at a scale (gpu/paper: print the plan), then report"},
    {"run", "run an artifact or a STUDY.yaml at a scale; write HDF5; check"},
    {"show", "print an artifact's grid and expectations per scale"},
    {"throughput", "tokens/s and MFU of the training update at a size and precision"},
    {"worker", "run one grid point of a study into its own file (--jobs uses it)"},
};

/// The entry for `name`, or null.
inline const CommandInfo* find_command(const char* name) {
  for (const auto& c : kCommands)
    if (std::strcmp(c.name, name) == 0) return &c;
  return nullptr;
}

}  // namespace spikebench::cli
