#include "suite/model_io/hf_gpt2.h"

#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "models/decoder.h"
#include "suite/model_io/model_folder.h"
#include "suite/model_io/safetensors.h"

namespace spikebench::hf {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr int64_t kGpt2Vocab = 50257;

/// GPT-2 activation names (transformers' ACT2FN) ↔ the decoder's F of Eq. (3).
struct ActivationName {
  const char* hf;
  models::Activation f;
};
constexpr ActivationName kActivations[] = {{"gelu_new", models::Activation::gelu_tanh},
                                           {"gelu_pytorch_tanh", models::Activation::gelu_tanh},
                                           {"gelu", models::Activation::gelu},
                                           {"relu", models::Activation::relu},
                                           {"linear", models::Activation::identity}};

json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in)
    fail(file.string(),
         ": missing (a Hugging Face GPT-2 folder has config.json and "
         "model.safetensors)");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    fail(file.string(), ": not JSON (", e.what(), ")");
  }
}

/// config.json's key `key` as T, or `fallback` (GPT2Config's default) when absent or null.
template <typename T>
T key_or(const json& j, const fs::path& file, const char* key, T fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  try {
    return j[key].get<T>();
  } catch (const json::exception&) {
    fail(file.string(), ": key '", key, "': unexpected value ", j[key].dump());
  }
}

models::ModelConfig config_from_hf(const json& j, const fs::path& file) {
  if (!j.is_object()) fail(file.string(), ": expected a JSON object");
  const auto model_type = key_or<std::string>(j, file, "model_type", "gpt2");
  if (model_type != "gpt2")
    fail(file.string(), ": key 'model_type': '", model_type, "' is not gpt2");
  models::ModelConfig c;
  c.vocab = key_or<int64_t>(j, file, "vocab_size", kGpt2Vocab);
  c.d = key_or<int64_t>(j, file, "n_embd", 768);
  c.n_layers = key_or<int64_t>(j, file, "n_layer", 12);
  c.n_heads = key_or<int64_t>(j, file, "n_head", 12);
  c.max_len = key_or<int64_t>(j, file, "n_positions", 1024);
  c.d_ffn = key_or<int64_t>(j, file, "n_inner", 4 * c.d);
  for (const auto& [key, v] : {std::pair<const char*, int64_t>{"vocab_size", c.vocab},
                               {"n_embd", c.d},
                               {"n_layer", c.n_layers},
                               {"n_head", c.n_heads},
                               {"n_positions", c.max_len}})
    if (v < 1) fail(file.string(), ": key '", key, "': expected a positive integer, got ", v);
  if (c.d_ffn != 4 * c.d)
    fail(file.string(), ": key 'n_inner': ", c.d_ffn, " ≠ 4·n_embd = ", 4 * c.d,
         " (spikebench's FFN is 4d wide, §3.1)");
  if (c.d % c.n_heads != 0)
    fail(file.string(), ": n_embd ", c.d, " is not divisible by n_head ", c.n_heads);
  const auto act = key_or<std::string>(j, file, "activation_function", "gelu_new");
  bool known = false;
  for (const auto& a : kActivations)
    if (act == a.hf) c.activation = a.f, known = true;
  if (!known)
    fail(file.string(), ": key 'activation_function': '", act,
         "' (spikebench has gelu_new, gelu_pytorch_tanh, gelu, relu, linear)");
  const double eps = key_or<double>(j, file, "layer_norm_epsilon", 1e-5);
  if (std::abs(eps - 1e-5) > 1e-12)
    fail(file.string(), ": key 'layer_norm_epsilon': ", eps, " (spikebench's LayerNorm uses 1e-5)");
  if (!key_or<bool>(j, file, "scale_attn_weights", true))
    fail(file.string(), ": key 'scale_attn_weights': false (spikebench divides by √d_head, Eq. 5)");
  if (key_or<bool>(j, file, "scale_attn_by_inverse_layer_idx", false))
    fail(file.string(), ": key 'scale_attn_by_inverse_layer_idx': true is not expressible");
  if (!key_or<bool>(j, file, "tie_word_embeddings", true))
    fail(file.string(),
         ": key 'tie_word_embeddings': false (spikebench ties the output layer to "
         "the token embedding, footnote 5)");
  if (key_or<bool>(j, file, "add_cross_attention", false))
    fail(file.string(), ": key 'add_cross_attention': true (a decoder-only LM has none)");
  c.dropout = key_or<double>(j, file, "resid_pdrop", 0.1);
  if (!(c.dropout >= 0 && c.dropout < 1))
    fail(file.string(), ": key 'resid_pdrop': expected a number in [0, 1)");
  c.arch = models::Arch::preln;
  c.norm = "layernorm";
  c.bias = true;
  c.stabilizers.clear();  // GPT-2 is the paper's Vanilla
  return c;
}

/// HF tensor name (without "transformer.") → (spikebench name, transpose).
std::map<std::string, std::pair<std::string, bool>> name_map(int64_t n_layers) {
  std::map<std::string, std::pair<std::string, bool>> m = {
      {"wte.weight", {"token_embedding", false}},
      {"wpe.weight", {"position_embedding", false}},
      {"ln_f.weight", {"final_norm.weight", false}},
      {"ln_f.bias", {"final_norm.bias", false}}};
  for (int64_t i = 0; i < n_layers; ++i) {
    const std::string h = "h." + std::to_string(i) + ".", b = "block" + std::to_string(i) + ".";
    for (const char* w : {"weight", "bias"}) {
      const std::string s = w;
      const bool t = s == "weight";  // Conv1D weights are (in, out)
      m[h + "ln_1." + s] = {b + "norm1." + s, false};
      m[h + "ln_2." + s] = {b + "norm2." + s, false};
      m[h + "attn.c_attn." + s] = {b + "attention.qkv." + s, t};
      m[h + "attn.c_proj." + s] = {b + "attention.out." + s, t};
      m[h + "mlp.c_fc." + s] = {b + "ffn.w1." + s, t};
      m[h + "mlp.c_proj." + s] = {b + "ffn.w2." + s, t};
    }
  }
  return m;
}

std::string strip_prefix(const std::string& name) {
  const std::string prefix = "transformer.";
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

/// Buffers older GPT-2 checkpoints carry (the causal mask), not weights.
bool is_mask_buffer(const std::string& name) {
  const auto ends = [&](const std::string& s) {
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return ends(".attn.bias") || ends(".attn.masked_bias");
}

}  // namespace

models::ModelConfig import_gpt2(const fs::path& hf_dir, const fs::path& out) {
  const fs::path config_file = hf_dir / "config.json", weights_file = hf_dir / "model.safetensors";
  models::ModelConfig c = config_from_hf(read_json(config_file), config_file);
  if (!fs::exists(weights_file))
    fail(weights_file.string(),
         ": missing (only the safetensors format is read; convert a "
         "pytorch_model.bin with transformers' save_pretrained)");
  auto stored = safetensors::read(weights_file);
  models::DecoderLM model(c);
  model->eval();
  std::map<std::string, torch::Tensor> params;
  for (auto& p : model->named_parameters()) params.emplace(p.key(), p.value());
  const auto names = name_map(c.n_layers);
  std::set<std::string> loaded;
  torch::Tensor wte;
  torch::NoGradGuard no_grad;
  for (const auto& [raw, tensor] : stored) {
    const std::string name = strip_prefix(raw);
    if (is_mask_buffer(name)) continue;
    if (name == "lm_head.weight") continue;  // checked against wte below
    const auto it = names.find(name);
    if (it == names.end())
      fail(weights_file.string(), ": tensor '", raw, "' is not part of GPT2LMHeadModel with ",
           c.n_layers, " layers (config.json)");
    auto& target = params.at(it->second.first);
    auto value = it->second.second ? tensor.t() : tensor;
    if (value.sizes() != target.sizes())
      fail(weights_file.string(), ": tensor '", raw, "' has shape ", tensor.sizes(),
           ", config.json implies ", it->second.second ? target.t().sizes() : target.sizes());
    target.copy_(value.to(target.dtype()));
    loaded.insert(it->second.first);
    if (name == "wte.weight") wte = tensor;
  }
  for (const auto& [name, target] : params)
    if (!loaded.count(name))
      fail(weights_file.string(), ": no tensor for spikebench's '", name, "'");
  for (const auto& [raw, tensor] : stored)
    if (strip_prefix(raw) == "lm_head.weight" && !torch::equal(tensor.to(wte.dtype()), wte))
      fail(weights_file.string(),
           ": lm_head.weight differs from wte.weight (an untied output "
           "layer; spikebench ties them, footnote 5)");
  ModelFolderInfo info;
  info.source = "import-hf " + fs::absolute(hf_dir).lexically_normal().string();
  info.tokenizer = c.vocab == kGpt2Vocab ? "gpt2" : c.vocab == 256 ? "bytes" : "none";
  info.seq_len = c.max_len;
  save_model_folder(out, model, info);
  return c;
}

std::string gpt2_incompatibility(const models::ModelConfig& c) {
  if (!c.stabilizers.empty())
    return "stabilizer '" + c.stabilizers.front() +
           "' changes the forward pass; GPT2LMHeadModel is Vanilla";
  if (c.arch != models::Arch::preln) return "Post-LN; GPT2LMHeadModel is Pre-LN";
  if (c.norm != "layernorm") return "norm '" + c.norm + "'; GPT2LMHeadModel uses LayerNorm";
  if (!c.bias) return "bias: false; GPT2LMHeadModel has linear and LayerNorm biases";
  if (c.d_ffn != 4 * c.d) return "d_ffn ≠ 4d";
  return "";
}

void export_gpt2(const fs::path& ckpt, const fs::path& out) {
  ModelFolderInfo info;
  models::DecoderLM model = load_model_folder(ckpt, &info);
  const auto& c = model->config();
  if (const auto why = gpt2_incompatibility(c); !why.empty())
    fail(ckpt.string(), ": cannot export as GPT-2: ", why);
  std::map<std::string, torch::Tensor> params;
  for (auto& p : model->named_parameters()) params.emplace(p.key(), p.value());
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& [hf_name, ours] : name_map(c.n_layers)) {
    const auto& t = params.at(ours.first);
    tensors.emplace_back("transformer." + hf_name, ours.second ? t.t().contiguous() : t);
  }
  const char* activation = "gelu_new";
  for (const auto& a : kActivations)
    if (a.f == c.activation) {
      activation = a.hf;
      break;
    }
  const int64_t eos = c.vocab == kGpt2Vocab ? kGpt2Vocab - 1 : 0;
  const json config = {{"architectures", {"GPT2LMHeadModel"}},
                       {"model_type", "gpt2"},
                       {"vocab_size", c.vocab},
                       {"n_positions", c.max_len},
                       {"n_ctx", c.max_len},
                       {"n_embd", c.d},
                       {"n_layer", c.n_layers},
                       {"n_head", c.n_heads},
                       {"n_inner", nullptr},
                       {"activation_function", activation},
                       {"resid_pdrop", c.dropout},
                       {"embd_pdrop", c.dropout},
                       {"attn_pdrop", c.dropout},
                       {"layer_norm_epsilon", 1e-5},
                       {"initializer_range", 0.02},
                       {"scale_attn_weights", true},
                       {"tie_word_embeddings", true},
                       {"bos_token_id", eos},
                       {"eos_token_id", eos},
                       {"spikebench_source", info.source}};
  fs::create_directories(out);
  safetensors::write(out / "model.safetensors", tensors, {{"format", "pt"}});
  std::ofstream f(out / "config.json");
  f << config.dump(2) << "\n";
  if (!f) fail((out / "config.json").string(), ": write failed");
}

}  // namespace spikebench::hf
