// `spikebench import-hf HF_DIR --out CKPT` and `spikebench export-hf CKPT --out HF_DIR`: GPT-2
// weights between Hugging Face folders (config.json + model.safetensors) and spikebench model
// folders (suite/model_io/hf_gpt2.h has the mapping).
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "models/config.h"
#include "suite/model_io/hf_gpt2.h"
#include "cli/command.h"
#include "cli/options.h"

namespace {

namespace po = spikebench::cli::po;
namespace fs = std::filesystem;

constexpr const char* kImportUsage =
    "HF_DIR --out CKPT\n"
    "Reads a Hugging Face GPT-2 folder (config.json + model.safetensors, the layout of\n"
    "openai-community/gpt2 or of GPT2LMHeadModel.save_pretrained) into a spikebench model folder\n"
    "that `spikebench eval --checkpoint CKPT` scores. GPT-2 is the paper's Vanilla (Pre-LN,\n"
    "learned positions, tied embeddings) with the tanh GELU (activation gelu_tanh).";

constexpr const char* kExportUsage =
    "CKPT --out HF_DIR\n"
    "Writes a spikebench model folder (a run's, with save_model: true, or an imported one) as a\n"
    "Hugging Face GPT-2 folder that GPT2LMHeadModel.from_pretrained(HF_DIR) loads. Only Vanilla\n"
    "Pre-LN LayerNorm models with biases map onto GPT-2; others are refused with the reason.";

void require_new_output(const fs::path& out) {
  if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
    spikebench::fail(out.string(), ": exists and is not an empty folder (choose a new --out)");
}

int run_import(const std::vector<std::string>& args) {
  po::options_description options("import-hf options");
  std::string hf_dir, out;
  options.add_options()("hf-dir", po::value(&hf_dir)->required(), "Hugging Face GPT-2 folder")(
      "out", po::value(&out)->required(), "the model folder to write (new or empty)");
  if (!spikebench::cli::parse("import-hf", kImportUsage, options, {{"hf-dir", 1}}, args)) return 0;
  require_new_output(out);
  const auto c = spikebench::hf::import_gpt2(hf_dir, out);
  std::printf(
      "imported %s: GPT-2 with N=%lld, d=%lld, h=%lld, L=%lld, V=%lld (%lld parameters) "
      "→ %s\n",
      hf_dir.c_str(), static_cast<long long>(c.n_layers), static_cast<long long>(c.d),
      static_cast<long long>(c.n_heads), static_cast<long long>(c.max_len),
      static_cast<long long>(c.vocab), static_cast<long long>(spikebench::models::param_count(c)),
      out.c_str());
  return 0;
}

int run_export(const std::vector<std::string>& args) {
  po::options_description options("export-hf options");
  std::string ckpt, out;
  options.add_options()("checkpoint", po::value(&ckpt)->required(), "spikebench model folder")(
      "out", po::value(&out)->required(), "the Hugging Face folder to write (new or empty)");
  if (!spikebench::cli::parse("export-hf", kExportUsage, options, {{"checkpoint", 1}}, args))
    return 0;
  require_new_output(out);
  spikebench::hf::export_gpt2(ckpt, out);
  std::printf("exported %s → %s (config.json, model.safetensors)\n", ckpt.c_str(), out.c_str());
  return 0;
}

}  // namespace

SPIKEBENCH_COMMAND("import-hf", &run_import);
SPIKEBENCH_COMMAND("export-hf", &run_export);
