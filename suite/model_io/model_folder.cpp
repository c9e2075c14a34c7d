#include "suite/model_io/model_folder.h"

#include <torch/torch.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>

#include "core/error.h"
#include "suite/model_io/safetensors.h"
#include "suite/config/yaml.h"
#include "suite/model_config.h"

namespace spikebench {
namespace {

namespace fs = std::filesystem;
constexpr const char* kConfigFile = "spikebench.yaml";
constexpr const char* kWeightsFile = "model.safetensors";

}  // namespace

void save_model_folder(const fs::path& dir, models::DecoderLM& model, const ModelFolderInfo& info) {
  fs::create_directories(dir);
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& p : model->named_parameters()) tensors.emplace_back(p.key(), p.value());
  for (const auto& b : model->named_buffers()) tensors.emplace_back(b.key(), b.value());
  safetensors::write(dir / kWeightsFile, tensors, {{"format", "pt"}, {"producer", "spikebench"}});
  YAML::Node n;
  n["model"] = model_keys(model->config(), info.size);
  n["source"] = info.source;
  n["step"] = info.step;
  n["tokenizer"] = info.tokenizer;
  n["seq_len"] = info.seq_len;
  n["eval_overlap"] = info.eval_overlap;
  n["eval_batch"] = info.eval_batch;
  YAML::Emitter out;
  out << n;
  const fs::path tmp = dir / (std::string(kConfigFile) + ".tmp");
  {
    std::ofstream f(tmp);
    f << "# spikebench model folder (suite/model_io/model_folder.h): config of "
         "model.safetensors\n"
      << out.c_str() << "\n";
    if (!f) fail(tmp.string(), ": write failed");
  }
  fs::rename(tmp, dir / kConfigFile);
}

models::DecoderLM load_model_folder(const fs::path& dir, ModelFolderInfo* info) {
  const fs::path config_file = dir / kConfigFile, weights_file = dir / kWeightsFile;
  if (!fs::is_directory(dir))
    fail(dir.string(),
         ": not a model folder (a run's <out>/<study>-<scale>.models/<run>, or one "
         "written by `spikebench import-hf`)");
  for (const auto& f : {config_file, weights_file})
    if (!fs::exists(f))
      fail(f.string(), ": missing (a model folder holds ", kConfigFile, " and ", kWeightsFile,
           fs::exists(dir / "last.pt") ? "; last.pt is resumable training state, not a model "
                                         "folder: train with save_model: true"
                                       : "",
           ")");
  const YAML::Node n = config::load_file(config_file);
  if (!n.IsMap()) fail(config_file.string(), ": expected a YAML map (model:, tokenizer:, ...)");
  const config::Reader r(n, config_file.string());
  if (!n["model"] || !n["model"].IsMap()) r.error("model", "expected the model's config map");
  const models::ModelConfig config =
      model_config(config::Reader(n["model"], config_file.string() + ": model"));
  ModelFolderInfo i;
  i.size = config::Reader(n["model"], config_file.string()).text("size");
  i.source = r.has("source") ? r.text("source") : "";
  i.step = r.integer("step", 0);
  i.tokenizer = r.text("tokenizer");
  if (i.tokenizer != "gpt2" && i.tokenizer != "bytes" && i.tokenizer != "none")
    r.error("tokenizer", "expected gpt2, bytes or none, got '" + i.tokenizer + "'");
  i.seq_len = r.integer("seq_len", 0, config.max_len);
  i.eval_overlap = r.integer("eval_overlap", 1);
  i.eval_batch = r.integer("eval_batch", 1);
  if (info) *info = i;

  auto stored = safetensors::read(weights_file);
  models::DecoderLM model(config);
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  auto load = [&](const std::string& name, torch::Tensor& target) {
    const auto it = stored.find(name);
    if (it == stored.end())
      fail(weights_file.string(), ": no tensor '", name, "' (the config in ", kConfigFile,
           " has it)");
    if (it->second.sizes() != target.sizes())
      fail(weights_file.string(), ": tensor '", name, "' has shape ", it->second.sizes(),
           " but the config needs ", target.sizes());
    target.copy_(it->second.to(target.dtype()));
    used.insert(name);
  };
  for (auto& p : model->named_parameters()) load(p.key(), p.value());
  for (auto& b : model->named_buffers()) load(b.key(), b.value());
  for (const auto& [name, t] : stored)
    if (!used.count(name))
      fail(weights_file.string(), ": tensor '", name, "' belongs to no parameter of the config in ",
           kConfigFile);
  model->eval();
  return model;
}

}  // namespace spikebench
