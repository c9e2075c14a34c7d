#pragma once
// The encoder-decoder Transformer of the paper's machine-translation comparison (App. D, Table
// 4): a shared vocabulary with one embedding matrix tied across encoder input, decoder input and
// output layer; sinusoidal positions (Vaswani et al. 2017 §3.5); N encoder and M decoder layers
// in one of four registered variants (models/encdec_variants.cpp): Post-LN, DeepNet, B2T, and
// Pre-LN with scaled init and Scaled Embed (the paper's method).
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/registry.h"
#include "models/decoder.h"
#include "models/init.h"
#include "models/norm.h"
#include "models/stabilizer.h"

namespace spikebench::models {

/// The decoder's attention: Peitz et al. (2019)'s cross+self attention (one attention whose
/// keys/values are [encoder outputs; causal target prefix], fairseq's --cross-self-attention
/// --no-cross-attention; App. D) or the standard separate self- and cross-attention.
enum class DecoderAttention { cross_self, standard };
const EnumNames<DecoderAttention>& decoder_attention_names();

struct EncoderDecoderConfig {
  int64_t vocab = 50261;          // V: shared vocabulary (GPT-2 BPE + pad, bos, eos, unk)
  int64_t d = 512;                // d: hidden size (Table 4: 512)
  int64_t n_encoder_layers = 18;  // N: encoder layers (Table 4: 18)
  int64_t n_decoder_layers = 18;  // M: decoder layers (Table 4: 18)
  int64_t n_heads = 8;            // h (Table 4: 8)
  int64_t d_ffn = 2048;           // d_ffn (Table 4: 2048)
  int64_t max_len = 1024;         // rows of the sinusoidal position table
  double dropout = 0.5;           // embeddings and sub-layer outputs (Table 4: 0.5)
  double word_dropout = 0.1;      // whole-token embedding dropout (Table 4: 0.1)
  bool bias = true;               // linear and norm biases
  std::string variant = "preln_scaled_embed";  // registered Seq2SeqVariant
  std::string norm = "layernorm";              // registered norm
  std::string init;                            // registered init; empty = the variant's
  Activation activation = Activation::relu;    // F of Eq. (3); ReLU as in Vaswani et al. (2017)
  DecoderAttention decoder = DecoderAttention::cross_self;  // Peitz et al. (2019), App. D
  int64_t pad = 0;                             // padding id (masked keys, ignored targets)
  double sigma = 0.0;                          // σ of §2.2; 0 = sqrt(2/(5d))
  /// The norm's settings (models/setting.h); train_mt sets none, so each is at its default.
  SettingValues settings;

  int64_t d_head() const { return d / n_heads; }
  double base_sigma() const;
  /// The init in effect: `init`, else the variant's.
  std::string init_name() const;
  /// Residual branches per decoder layer: 2 with cross+self attention, 3 with separate ones.
  int64_t decoder_sublayers() const { return decoder == DecoderAttention::cross_self ? 2 : 3; }
  /// Throws spikebench::Error naming the inconsistent field.
  void validate() const;
};

/// A named size of the encoder-decoder: Table 4 ("paper") and smaller proxies.
struct MtFlavor {
  std::string name, description;
  EncoderDecoderConfig config;
};
const std::vector<MtFlavor>& mt_flavors();
const MtFlavor& mt_flavor(const std::string& name);

/// A variant's architecture, chosen by name (registered in models/encdec_variants.cpp): a layer
/// arrangement, a registered init and registered (model-level) stabilizers.
struct Seq2SeqVariant {
  static constexpr const char* kKind = "encoder-decoder variant";
  std::string summary;                   // one line with its paper
  bool pre_ln = false;                   // Pre-LN layers and a final norm per stack (else Post-LN)
  bool b2t = false;                      // bottom-to-top connection: layer input added before the last LN
  bool deepnorm = false;                 // DeepNorm residual x_{l+1} = LN(α x + G(x)) (Wang et al. 2022)
  std::string init;                      // default registered init (models/inits/)
  std::vector<std::string> stabilizers;  // registered stabilizers (scaled_embed, ...)
};

/// DeepNet's constants for an encoder-decoder with N encoder and M decoder layers (Wang et al.
/// 2022, "DeepNet: Scaling Transformers to 1,000 Layers", Table 1 / Fig. 2):
///   encoder α = 0.81 (N⁴M)^(1/16), β = 0.87 (N⁴M)^(-1/16); decoder α = (3M)^(1/4), β =
///   (12M)^(-1/4) for the standard decoder of 3 sub-layers per layer.
/// Table 1's decoder rows follow one pattern in the stack's residual branches K: α = K^(1/4),
/// β = (4K)^(-1/4) — decoder-only K = 2M ((2M)^(1/4), (8M)^(-1/4)), encoder-decoder decoder
/// K = 3M (self, cross and FFN per layer). Peitz et al.'s cross+self decoder has 2 branches per
/// layer, K = 2M, so its constants are the decoder-only ones (decoder_sublayers = 2). The
/// encoder's constants account for the decoder attending to the encoder in every layer, which
/// the cross+self decoder still does: they are kept as Table 1 gives them.
/// The encoder β constant: Table 1 prints 0.87; the authors' torchscale code divides by 1.15
/// (= 0.8696). We use the paper's 0.87 (kDeepNetEncoderBeta), recorded in the results attrs.
struct DeepNetConstants {
  double encoder_alpha, encoder_beta, decoder_alpha, decoder_beta;
};
inline constexpr double kDeepNetEncoderAlpha = 0.81;
inline constexpr double kDeepNetEncoderBeta = 0.87;
DeepNetConstants deepnet_constants(int64_t n_encoder_layers, int64_t n_decoder_layers,
                                   int64_t decoder_sublayers = 3);

/// The encoder's and the decoder's init scheme (the registered init of the config, with each
/// stack's layers, residual branches and DeepNet β).
struct Seq2SeqInit {
  InitScheme encoder, decoder;
};
Seq2SeqInit seq2seq_init(const EncoderDecoderConfig& c);

/// Multi-head attention, Eqs. (4)-(5): queries from x (B,T,d), keys/values from `memory`
/// (B,S,d; x itself for self-attention). `mask` (B or 1, 1, T or 1, S) bool, true = attend
/// (undefined: attend everywhere); `causal` for decoder self-attention without a mask.
class MultiheadAttentionImpl : public torch::nn::Module {
 public:
  MultiheadAttentionImpl(int64_t d, int64_t n_heads, bool bias);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& memory,
                        const torch::Tensor& mask, bool causal);  // (B,T,d) -> (B,T,d)
  void init_weights(const InitScheme& s);
  torch::nn::Linear q{nullptr}, k{nullptr}, v{nullptr}, out{nullptr};

 private:
  int64_t n_heads_;
};
TORCH_MODULE(MultiheadAttention);

/// Encoder layer: self-attention and FFN with the variant's residual/norm arrangement.
class EncoderLayerImpl : public torch::nn::Module {
 public:
  EncoderLayerImpl(const EncoderDecoderConfig& c, const Seq2SeqVariant& v, double alpha);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_mask);  // (B,S,d)
  MultiheadAttention self_attention{nullptr};
  FFN ffn{nullptr};
  std::shared_ptr<NormImpl> norm1, norm2;

 private:
  torch::Tensor drop(const torch::Tensor& y);
  Seq2SeqVariant variant_;
  double alpha_, dropout_;
};
TORCH_MODULE(EncoderLayer);

/// Decoder layer. cross_self (Peitz et al. 2019): one attention of the target prefix over
/// [encoder outputs; the layer's own (causal) inputs], then the FFN — 2 sub-layers. standard:
/// causal self-attention, cross-attention over the encoder output, FFN — 3 sub-layers
/// (cross_attention and norm3 are null in cross_self).
class DecoderLayerImpl : public torch::nn::Module {
 public:
  DecoderLayerImpl(const EncoderDecoderConfig& c, const Seq2SeqVariant& v, double alpha);
  torch::Tensor forward(const torch::Tensor& y, const torch::Tensor& memory,
                        const torch::Tensor& key_mask);  // (B,T,d)
  MultiheadAttention self_attention{nullptr}, cross_attention{nullptr};
  FFN ffn{nullptr};
  std::shared_ptr<NormImpl> norm1, norm2, norm3;

 private:
  torch::Tensor drop(const torch::Tensor& y);
  /// The cross+self attention of queries q over [memory; kv] with the source mask and a causal
  /// mask over the target part.
  torch::Tensor cross_self(const torch::Tensor& q, const torch::Tensor& kv,
                           const torch::Tensor& memory, const torch::Tensor& key_mask);
  Seq2SeqVariant variant_;
  DecoderAttention attention_;
  double alpha_, dropout_;
};
TORCH_MODULE(DecoderLayer);

/// The encoder-decoder. forward(src (B,S), prev (B,T) int64) -> logits (B,T,V).
class EncoderDecoderImpl : public torch::nn::Module {
 public:
  explicit EncoderDecoderImpl(EncoderDecoderConfig config);
  /// The encoder output and the source key mask (B,1,1,S), true where src != pad.
  struct Memory {
    torch::Tensor states, key_mask;
    /// Rows `index` of both (beam search repeats each sentence's memory).
    Memory select(const torch::Tensor& index) const;
  };
  Memory encode(const torch::Tensor& src);
  /// Decoder states (B,T,d) of the previous target tokens (bos first).
  torch::Tensor decode(const torch::Tensor& prev, const Memory& memory);
  /// Tied output layer: states (..., d) -> logits (..., V).
  torch::Tensor logits(const torch::Tensor& states) const;
  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& prev);
  /// Re-draws every weight from the config's init (uses the global torch RNG).
  void init_weights();
  const EncoderDecoderConfig& config() const { return config_; }
  const Seq2SeqVariant& variant() const { return variant_; }
  double encoder_alpha() const { return encoder_alpha_; }
  double decoder_alpha() const { return decoder_alpha_; }

  torch::Tensor embedding;  // E: (V, d), shared by both stacks and tied with the output layer
  torch::Tensor positions;  // buffer (max_len, d): sinusoidal positions
  std::vector<std::shared_ptr<StabilizerImpl>> stabilizers;  // the variant's (Scaled Embed, ...)
  std::vector<EncoderLayer> encoder_layers;
  std::vector<DecoderLayer> decoder_layers;
  std::shared_ptr<NormImpl> encoder_norm, decoder_norm;  // Pre-LN only

 private:
  torch::Tensor embed(const torch::Tensor& tokens);  // (B,T) -> (B,T,d)
  EncoderDecoderConfig config_;
  Seq2SeqVariant variant_;
  double encoder_alpha_ = 1.0, decoder_alpha_ = 1.0;
};
TORCH_MODULE(EncoderDecoder);

/// Exact parameter count of the encoder-decoder (tied embeddings, no learned positions; the
/// stabilizers' own parameters are not counted).
int64_t param_count(const EncoderDecoderConfig& c);

}  // namespace spikebench::models
