#pragma once
// Every `spikebench` sub-command, with its one-line summary: the single list `--help` prints.
// `light` commands are LibTorch-free (text and data tools): the `spikebench` executable runs
// them itself and starts no LibTorch; every other command runs in `spikebench-suite`, which
// `spikebench` executes in its place (suite/cli/main.cpp).
#include <cstring>

namespace spikebench::cli {

struct CommandInfo {
  const char* name;
  const char* summary;
  bool light;
};

inline constexpr CommandInfo kCommands[] = {
    {"bleu", "SacreBLEU-identical corpus/sentence BLEU of a system output", true},
    {"check", "re-evaluate the checks of results files (exit 1 on a failure)", false},
    {"decode", "text of GPT-2 token ids (inverse of encode)", true},
    {"encode", "GPT-2 token ids of a text file (per line, per jsonl document, or whole)", true},
    {"eval", "zero-shot WikiText-103 / LAMBADA evaluation (Megatron-LM's definitions)", false},
    {"list", "list the paper's artifacts (tables, figures) and their scales", false},
    {"prepare", "tokenize a corpus into GPT-2 token shards (train/valid)", true},
    {"report", "render figures (PNG/SVG), tables and index.html from results", false},
    {"reproduce", "run every artifact at a scale (gpu/paper: print the plan), then report", false},
    {"run", "run an artifact or a STUDY.yaml at a scale; write HDF5; check", false},
    {"show", "print an artifact's grid and expectations per scale", false},
    {"throughput", "tokens/s and MFU of the training update at a size and precision", false},
    {"worker", "run one grid point of a study into its own file (--jobs uses it)", false},
};

/// The entry for `name`, or null.
inline const CommandInfo* find_command(const char* name) {
  for (const auto& c : kCommands)
    if (std::strcmp(c.name, name) == 0) return &c;
  return nullptr;
}

}  // namespace spikebench::cli
