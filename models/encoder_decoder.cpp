#include "models/encoder_decoder.h"

#include <torch/torch.h>

#include <cmath>

#include "core/error.h"
#include "models/init.h"

namespace spikebench::models {
namespace {

torch::nn::Linear linear(int64_t in, int64_t out, bool bias) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

/// The decoder LM's config fields the shared components read: the FFN (Eq. 3: d, d_ffn, bias,
/// activation) and the registered stabilizers (d, norm, bias, σ).
ModelConfig component_config(const EncoderDecoderConfig& c) {
  ModelConfig m;
  m.d = c.d, m.d_ffn = c.d_ffn, m.bias = c.bias, m.activation = c.activation;
  m.n_heads = c.n_heads, m.norm = c.norm, m.sigma = c.sigma, m.dropout = c.dropout;
  return m;
}

/// PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...) (Vaswani et al. 2017 §3.5).
torch::Tensor sinusoids(int64_t max_len, int64_t d) {
  auto pos = torch::arange(max_len, torch::kDouble).unsqueeze(1);       // (L,1)
  auto i2 = torch::arange(0, d, 2, torch::kDouble);                     // (d/2)
  auto angle = pos / torch::pow(10000.0, i2 / static_cast<double>(d));  // (L,d/2)
  auto pe = torch::stack({torch::sin(angle), torch::cos(angle)}, 2).view({max_len, -1});
  return pe.slice(1, 0, d).to(torch::kFloat);  // (L,d), interleaved sin/cos
}

}  // namespace

// ---------------------------------------------------------------- config
double EncoderDecoderConfig::base_sigma() const {
  return sigma > 0 ? sigma : std::sqrt(2.0 / (5.0 * static_cast<double>(d)));
}

const EnumNames<DecoderAttention>& decoder_attention_names() {
  static const EnumNames<DecoderAttention> n = {{"cross_self", DecoderAttention::cross_self},
                                                {"standard", DecoderAttention::standard}};
  return n;
}

std::string EncoderDecoderConfig::init_name() const {
  return init.empty() ? Registry<Seq2SeqVariant>::instance().get(variant).init : init;
}

void EncoderDecoderConfig::validate() const {
  if (vocab <= 4 || d <= 0 || n_encoder_layers <= 0 || n_decoder_layers <= 0 || n_heads <= 0 ||
      d_ffn <= 0 || max_len <= 0)
    fail(
        "model: vocab (> 4), d, n_encoder_layers, n_decoder_layers, n_heads, d_ffn and max_len "
        "must be positive");
  if (d % n_heads != 0) fail("model: d (", d, ") must be divisible by n_heads (", n_heads, ")");
  if (d % 2 != 0) fail("model: d (", d, ") must be even (sinusoidal positions)");
  if (dropout < 0 || dropout >= 1) fail("model: dropout must be in [0, 1), got ", dropout);
  if (word_dropout < 0 || word_dropout >= 1)
    fail("model: word_dropout must be in [0, 1), got ", word_dropout);
  Registry<Seq2SeqVariant>::instance().get(variant);  // unknown names list the valid ones
  Registry<NormKind>::instance().get(norm);
  Registry<InitKind>::instance().get(init_name());
}

const std::vector<MtFlavor>& mt_flavors() {
  auto make = [](int64_t vocab, int64_t d, int64_t layers, int64_t heads, int64_t d_ffn,
                 double dropout, double word_dropout) {
    EncoderDecoderConfig c;
    c.vocab = vocab, c.d = d, c.n_encoder_layers = c.n_decoder_layers = layers;
    c.n_heads = heads, c.d_ffn = d_ffn, c.dropout = dropout, c.word_dropout = word_dropout;
    return c;
  };
  static const std::vector<MtFlavor> table = {
      {"paper", "Table 4: N=M=18, d=512, d_ffn=2048, h=8, dropout 0.5, word dropout 0.1",
       make(50261, 512, 18, 8, 2048, 0.5, 0.1)},
      {"gpu", "one-GPU proxy: paper depth N=M=18, d=256, d_ffn=1024, h=4, dropout 0.3",
       make(50261, 256, 18, 4, 1024, 0.3, 0.1)},
      {"cpu", "two-core proxy: N=M=3, d=64, d_ffn=256, h=4, dropout 0.1 (vocab set from data)",
       make(50261, 64, 3, 4, 256, 0.1, 0.1)},
      {"tiny", "unit-test size: N=M=2, d=16, d_ffn=32, h=2, vocab 24, no dropout",
       make(24, 16, 2, 2, 32, 0.0, 0.0)},
  };
  return table;
}

const MtFlavor& mt_flavor(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& f : mt_flavors()) {
    if (f.name == name) return f;
    names.push_back(f.name);
  }
  fail("unknown encoder-decoder size '", name, "' (valid: ", join(names, ", "), ")");
}

DeepNetConstants deepnet_constants(int64_t n, int64_t m, int64_t decoder_sublayers) {
  const double N = static_cast<double>(n), M = static_cast<double>(m);
  const double K = static_cast<double>(decoder_sublayers) * M;  // the decoder's branches
  const double nm = std::pow(std::pow(N, 4) * M, 1.0 / 16.0);   // (N⁴M)^(1/16)
  return {kDeepNetEncoderAlpha * nm, kDeepNetEncoderBeta / nm, std::pow(K, 0.25),
          std::pow(4.0 * K, -0.25)};
}

Seq2SeqInit seq2seq_init(const EncoderDecoderConfig& c) {
  const auto k = deepnet_constants(c.n_encoder_layers, c.n_decoder_layers, c.decoder_sublayers());
  const bool deepnet = Registry<Seq2SeqVariant>::instance().get(c.variant).deepnorm;
  const InitContext enc{c.d, c.d_ffn, c.n_encoder_layers, 2 * c.n_encoder_layers, c.base_sigma(),
                        deepnet ? k.encoder_beta : 0.0};
  const InitContext dec{c.d, c.d_ffn, c.n_decoder_layers,
                        c.decoder_sublayers() * c.n_decoder_layers, c.base_sigma(),
                        deepnet ? k.decoder_beta : 0.0};
  return {init_scheme(c.init_name(), enc), init_scheme(c.init_name(), dec)};
}

// ---------------------------------------------------------------- attention, Eqs. (4)-(5)
MultiheadAttentionImpl::MultiheadAttentionImpl(int64_t d, int64_t n_heads, bool bias)
    : n_heads_(n_heads) {
  q = register_module("q", linear(d, d, bias));
  k = register_module("k", linear(d, d, bias));
  v = register_module("v", linear(d, d, bias));
  out = register_module("out", linear(d, d, bias));
}

torch::Tensor MultiheadAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& memory,
                                              const torch::Tensor& key_mask, bool causal) {
  TORCH_CHECK(!(causal && key_mask.defined()), "attention: causal with an explicit mask");
  const auto B = x.size(0), T = x.size(1), S = memory.size(1), d = x.size(2);
  const auto h = n_heads_, dh = d / n_heads_;
  auto heads = [&](const torch::Tensor& t, int64_t len) {
    return t.view({B, len, h, dh}).transpose(1, 2);  // (B,h,len,dh)
  };
  auto qh = heads(q(x), T), kh = heads(k(memory), S), vh = heads(v(memory), S);
  // softmax(q k^T / sqrt(d_head)) v per head (Eq. 5); masked keys get probability 0.
  std::optional<torch::Tensor> mask;
  if (key_mask.defined()) mask = key_mask;
  auto o =
      at::scaled_dot_product_attention(qh, kh, vh, mask, /*dropout_p=*/0.0, /*is_causal=*/causal);
  return out(o.transpose(1, 2).reshape({B, T, d}));  // concat · W_O (Eq. 4)
}

void MultiheadAttentionImpl::init_weights(const InitScheme& s) {
  init_linear(q, s.q), init_linear(k, s.k), init_linear(v, s.v), init_linear(out, s.w_o);
}

// ---------------------------------------------------------------- layers
EncoderLayerImpl::EncoderLayerImpl(const EncoderDecoderConfig& c, const Seq2SeqVariant& v,
                                   double alpha)
    : variant_(v), alpha_(alpha), dropout_(c.dropout) {
  self_attention = register_module("self_attention", MultiheadAttention(c.d, c.n_heads, c.bias));
  ffn = register_module("ffn", FFN(component_config(c)));
  norm1 = register_module("norm1", make_norm(c.norm, c.d, c.bias, c.settings));
  norm2 = register_module("norm2", make_norm(c.norm, c.d, c.bias, c.settings));
}

torch::Tensor EncoderLayerImpl::drop(const torch::Tensor& y) {
  return torch::dropout(y, dropout_, is_training());
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& key_mask) {
  auto attn = [&](const torch::Tensor& t) {
    return self_attention->forward(t, t, key_mask, false);
  };
  if (variant_.pre_ln) {  // Pre-LN (Xiong et al. 2020): Eq. (2) then Eq. (1)
    auto x1 = x + drop(attn(norm1->forward(x)));
    return x1 + drop(ffn(norm2->forward(x1)));
  }
  // Post-LN: x' = LN(αx + Attn(x)), y = LN(αx' + FFN(x')); α = 1 except DeepNorm.
  auto x1 = norm1->forward(alpha_ * x + drop(attn(x)));
  auto s = alpha_ * x1 + drop(ffn(x1));
  if (variant_.b2t) s = s + x;  // B2T: the layer input joins the last LN (Takase et al. 2023)
  return norm2->forward(s);
}

DecoderLayerImpl::DecoderLayerImpl(const EncoderDecoderConfig& c, const Seq2SeqVariant& v,
                                   double alpha)
    : variant_(v), attention_(c.decoder), alpha_(alpha), dropout_(c.dropout) {
  self_attention = register_module("self_attention", MultiheadAttention(c.d, c.n_heads, c.bias));
  if (attention_ == DecoderAttention::standard)
    cross_attention =
        register_module("cross_attention", MultiheadAttention(c.d, c.n_heads, c.bias));
  ffn = register_module("ffn", FFN(component_config(c)));
  norm1 = register_module("norm1", make_norm(c.norm, c.d, c.bias, c.settings));
  norm2 = register_module("norm2", make_norm(c.norm, c.d, c.bias, c.settings));
  if (attention_ == DecoderAttention::standard)
    norm3 = register_module("norm3", make_norm(c.norm, c.d, c.bias, c.settings));
}

torch::Tensor DecoderLayerImpl::drop(const torch::Tensor& y) {
  return torch::dropout(y, dropout_, is_training());
}

torch::Tensor DecoderLayerImpl::cross_self(const torch::Tensor& q, const torch::Tensor& kv,
                                           const torch::Tensor& memory,
                                           const torch::Tensor& key_mask) {
  // Keys/values [memory; kv] (fairseq: y = torch.cat((encoder_out, x))); the mask lets target
  // position t see every unpadded source position and target positions <= t.
  const auto B = kv.size(0), T = kv.size(1), S = memory.size(1);
  auto source = key_mask.expand({B, 1, T, S});                              // (B,1,T,S)
  auto causal = torch::ones({T, T}, key_mask.options()).tril().view({1, 1, T, T}).expand({B, 1, T, T});
  auto mask = torch::cat({source, causal}, /*dim=*/3);                      // (B,1,T,S+T)
  return self_attention->forward(q, torch::cat({memory, kv}, 1), mask, /*causal=*/false);
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& y, const torch::Tensor& memory,
                                        const torch::Tensor& key_mask) {
  if (attention_ == DecoderAttention::cross_self) {
    if (variant_.pre_ln) {  // Pre-LN: the normalized prefix attends over [memory; itself]
      auto h = norm1->forward(y);
      auto y1 = y + drop(cross_self(h, h, memory, key_mask));
      return y1 + drop(ffn(norm2->forward(y1)));
    }
    auto y1 = norm1->forward(alpha_ * y + drop(cross_self(y, y, memory, key_mask)));
    auto s = alpha_ * y1 + drop(ffn(y1));
    if (variant_.b2t) s = s + y;  // B2T connection (Takase et al. 2023)
    return norm2->forward(s);
  }
  auto self = [&](const torch::Tensor& t) {
    return self_attention->forward(t, t, torch::Tensor(), /*causal=*/true);
  };
  auto cross = [&](const torch::Tensor& t) {
    return cross_attention->forward(t, memory, key_mask, false);
  };
  if (variant_.pre_ln) {
    auto y1 = y + drop(self(norm1->forward(y)));
    auto y2 = y1 + drop(cross(norm2->forward(y1)));
    return y2 + drop(ffn(norm3->forward(y2)));
  }
  auto y1 = norm1->forward(alpha_ * y + drop(self(y)));
  auto y2 = norm2->forward(alpha_ * y1 + drop(cross(y1)));
  auto s = alpha_ * y2 + drop(ffn(y2));
  if (variant_.b2t) s = s + y;  // B2T connection (Takase et al. 2023)
  return norm3->forward(s);
}

// ---------------------------------------------------------------- model
EncoderDecoderImpl::Memory EncoderDecoderImpl::Memory::select(const torch::Tensor& index) const {
  return {states.index_select(0, index), key_mask.index_select(0, index)};
}

EncoderDecoderImpl::EncoderDecoderImpl(EncoderDecoderConfig config) : config_(std::move(config)) {
  config_.validate();
  const auto& c = config_;
  variant_ = Registry<Seq2SeqVariant>::instance().get(c.variant);
  if (variant_.deepnorm) {
    const auto k =
        deepnet_constants(c.n_encoder_layers, c.n_decoder_layers, c.decoder_sublayers());
    encoder_alpha_ = k.encoder_alpha, decoder_alpha_ = k.decoder_alpha;
  }
  embedding = register_parameter("embedding", torch::empty({c.vocab, c.d}));
  stabilizers = make_stabilizers(variant_.stabilizers, component_config(c));
  for (size_t i = 0; i < stabilizers.size(); ++i)
    register_module("stabilizer" + std::to_string(i), stabilizers[i]);
  positions = register_buffer("positions", sinusoids(c.max_len, c.d));
  for (int64_t i = 0; i < c.n_encoder_layers; ++i)
    encoder_layers.push_back(
        register_module("encoder" + std::to_string(i), EncoderLayer(c, variant_, encoder_alpha_)));
  for (int64_t i = 0; i < c.n_decoder_layers; ++i)
    decoder_layers.push_back(
        register_module("decoder" + std::to_string(i), DecoderLayer(c, variant_, decoder_alpha_)));
  if (variant_.pre_ln) {
    encoder_norm = register_module("encoder_norm", make_norm(c.norm, c.d, c.bias, c.settings));
    decoder_norm = register_module("decoder_norm", make_norm(c.norm, c.d, c.bias, c.settings));
  }
  init_weights();
}

void EncoderDecoderImpl::init_weights() {
  const auto s = seq2seq_init(config_);
  init_draw(embedding, s.encoder.embedding);  // one shared embedding (the schemes agree on it)
  for (auto& l : encoder_layers) {
    l->self_attention->init_weights(s.encoder);
    l->ffn->init_weights(s.encoder);
  }
  for (auto& l : decoder_layers) {
    l->self_attention->init_weights(s.decoder);
    if (l->cross_attention) l->cross_attention->init_weights(s.decoder);
    l->ffn->init_weights(s.decoder);
  }
}

torch::Tensor EncoderDecoderImpl::embed(const torch::Tensor& tokens) {
  const auto T = tokens.size(1);
  if (T > config_.max_len) fail("sequence length ", T, " exceeds max_len ", config_.max_len);
  auto e = torch::embedding(embedding, tokens);  // (B,T,d)
  if (is_training() && config_.word_dropout > 0) {
    // Word dropout: a whole token's embedding becomes the zero vector with probability p, no
    // rescaling (Gal & Ghahramani 2016; Takase & Kiyono 2021, "Rethinking Perturbations").
    auto keep = torch::bernoulli(
        torch::full({tokens.size(0), T, 1}, 1.0 - config_.word_dropout, e.options()));
    e = e * keep;
  }
  for (auto& s : stabilizers) e = s->token_embedding(e);  // Scaled Embed: token embeddings only
  e = e + positions.slice(0, 0, T).unsqueeze(0);
  for (auto& s : stabilizers) e = s->embed(e);
  return torch::dropout(e, config_.dropout, is_training());
}

EncoderDecoderImpl::Memory EncoderDecoderImpl::encode(const torch::Tensor& src) {
  auto key_mask = (src != config_.pad).view({src.size(0), 1, 1, src.size(1)});  // (B,1,1,S)
  auto x = embed(src);
  for (auto& l : encoder_layers) x = l->forward(x, key_mask);
  if (encoder_norm) x = encoder_norm->forward(x);
  return {x, key_mask};
}

torch::Tensor EncoderDecoderImpl::decode(const torch::Tensor& prev, const Memory& memory) {
  auto y = embed(prev);
  for (auto& l : decoder_layers) y = l->forward(y, memory.states, memory.key_mask);
  if (decoder_norm) y = decoder_norm->forward(y);
  return y;
}

torch::Tensor EncoderDecoderImpl::logits(const torch::Tensor& states) const {
  return torch::matmul(states, embedding.t());  // tied output layer
}

torch::Tensor EncoderDecoderImpl::forward(const torch::Tensor& src, const torch::Tensor& prev) {
  return logits(decode(prev, encode(src)));
}

int64_t param_count(const EncoderDecoderConfig& c) {
  const int64_t b = c.bias ? 1 : 0;
  const int64_t norm = c.norm == "rmsnorm" ? c.d : (1 + b) * c.d;
  const int64_t attn = 4 * c.d * c.d + b * 4 * c.d;
  const int64_t ffn = 2 * c.d * c.d_ffn + b * (c.d_ffn + c.d);
  const bool pre_ln = Registry<Seq2SeqVariant>::instance().get(c.variant).pre_ln;
  const int64_t k = c.decoder_sublayers();  // attentions + FFN, one norm each
  return c.vocab * c.d + c.n_encoder_layers * (attn + ffn + 2 * norm) +
         c.n_decoder_layers * ((k - 1) * attn + ffn + k * norm) + (pre_ln ? 2 * norm : 0);
}

}  // namespace spikebench::models
