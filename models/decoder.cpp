#include "models/decoder.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "models/fused_cross_entropy.h"

namespace spikebench::models {
namespace {

double detached_std(const torch::Tensor& x) {
  return x.detach().to(torch::kFloat).std().item<double>();
}

}  // namespace

// ---------------------------------------------------------------- Attention, Eqs. (4)-(5)
AttentionImpl::AttentionImpl(const ModelConfig& c, std::vector<std::shared_ptr<StabilizerImpl>> s)
    : config_(c), stabilizers_(std::move(s)) {
  qkv = register_module("qkv",
                        torch::nn::Linear(torch::nn::LinearOptions(c.d, 3 * c.d).bias(c.bias)));
  out = register_module("out", torch::nn::Linear(torch::nn::LinearOptions(c.d, c.d).bias(c.bias)));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, std::vector<double>* logit_max) {
  const auto B = x.size(0), T = x.size(1), h = config_.n_heads, dh = config_.d_head();
  auto projected = qkv(x);  // (B,T,3d)
  for (auto& s : stabilizers_) projected = s->qkv(projected);
  auto qkv_heads = projected.view({B, T, 3, h, dh}).permute({2, 0, 3, 1, 4});  // (3,B,h,T,dh)
  auto q = qkv_heads[0], k = qkv_heads[1], v = qkv_heads[2];
  for (auto& s : stabilizers_) s->attention_qk(q, k);
  if (logit_max) {
    const auto m = max_attention_logits(q, k).contiguous();  // (h) double on the CPU
    logit_max->insert(logit_max->end(), m.data_ptr<double>(), m.data_ptr<double>() + h);
  }
  const double dropout = is_training() ? config_.dropout : 0.0;
  const bool edits_logits = std::any_of(stabilizers_.begin(), stabilizers_.end(),
                                        [](const auto& s) { return s->edits_attention_logits(); });
  torch::Tensor heads;  // (B,h,T,dh)
  if (!edits_logits) {
    // softmax(q k^T / sqrt(d_head)) v per head, causal (Eq. 5), in the fused kernel.
    heads = at::scaled_dot_product_attention(q, k, v, /*attn_mask=*/{}, dropout, /*is_causal=*/true);
  } else {
    // Eq. 5 spelled out, so stabilizers can act on the logits before the mask and softmax.
    auto z = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(dh));
    for (auto& s : stabilizers_) z = s->attention_logits(z);
    const auto future = torch::ones({T, T}, torch::dtype(torch::kBool).device(x.device())).triu(1);
    z = z.masked_fill(future, -std::numeric_limits<double>::infinity());
    auto p = torch::dropout(torch::softmax(z.to(torch::kFloat), -1).to(q.scalar_type()), dropout,
                            is_training());
    heads = torch::matmul(p, v);
  }
  return out(heads.transpose(1, 2).reshape({B, T, config_.d}));  // concat · W_O (Eq. 4)
}

void AttentionImpl::after_step() {
  torch::NoGradGuard no_grad;
  for (auto& s : stabilizers_) s->after_step(qkv);
}

bool AttentionImpl::edits_weights() const {
  return std::any_of(stabilizers_.begin(), stabilizers_.end(),
                     [](const auto& s) { return s->edits_weights(); });
}

void AttentionImpl::init_weights(const InitScheme& scheme) {
  const auto same = [](const Draw& a, const Draw& b) {
    return a.std == b.std && a.uniform == b.uniform;
  };
  if (same(scheme.q, scheme.k) && same(scheme.k, scheme.v)) {
    init_linear(qkv, scheme.q);  // one draw over the fused W_Q, W_K, W_V
  } else {
    const int64_t d = config_.d;
    init_linear(qkv, scheme.q);
    init_draw(qkv->weight.slice(0, d, 2 * d), scheme.k);
    init_draw(qkv->weight.slice(0, 2 * d, 3 * d), scheme.v);
  }
  init_linear(out, scheme.w_o);
}

// ---------------------------------------------------------------- FFN, Eq. (3)
FFNImpl::FFNImpl(const ModelConfig& c) : activation_(c.activation) {
  w1 =
      register_module("w1", torch::nn::Linear(torch::nn::LinearOptions(c.d, c.d_ffn).bias(c.bias)));
  w2 =
      register_module("w2", torch::nn::Linear(torch::nn::LinearOptions(c.d_ffn, c.d).bias(c.bias)));
}

torch::Tensor FFNImpl::forward(const torch::Tensor& x) {
  auto hidden = w1(x);  // (B,T,d_ffn)
  switch (activation_) {
    case Activation::gelu: hidden = torch::gelu(hidden); break;
    case Activation::gelu_tanh: hidden = torch::gelu(hidden, "tanh"); break;  // GPT-2's
    case Activation::relu: hidden = torch::relu(hidden); break;
    case Activation::identity: break;
  }
  return w2(hidden);  // (B,T,d)
}

void FFNImpl::init_weights(const InitScheme& scheme) {
  init_linear(w1, scheme.w1);
  init_linear(w2, scheme.w2);
}

// ---------------------------------------------------------------- Blocks
BlockImpl::BlockImpl(const ModelConfig& c) : config_(c) {
  stabilizers = make_layer_stabilizers(c.stabilizers, c);
  for (size_t i = 0; i < stabilizers.size(); ++i)
    register_module("stabilizer" + std::to_string(i), stabilizers[i]);
  attention = register_module("attention", Attention(c, stabilizers));
  ffn = register_module("ffn", FFN(c));
  norm1 = register_module("norm1", make_norm(c.norm, c.d, c.bias, c.settings));
  norm2 = register_module("norm2", make_norm(c.norm, c.d, c.bias, c.settings));
}

void BlockImpl::init_weights(const InitScheme& scheme) {
  attention->init_weights(scheme);
  ffn->init_weights(scheme);
}

torch::Tensor BlockImpl::finish(torch::Tensor y, Sublayer which) {
  for (auto& s : stabilizers) y = s->sublayer(y, which);
  return torch::dropout(y, config_.dropout, is_training());
}

namespace {

/// Records one layer's statistics: the two norm inputs, the sub-layer outputs, the layer output.
void record(Probe& probe, const torch::Tensor& norm1_in, const torch::Tensor& norm2_in,
            const torch::Tensor& attn_out, const torch::Tensor& ffn_out, const torch::Tensor& y) {
  probe.ln_input_std.push_back(detached_std(norm1_in));
  probe.ln_input_std.push_back(detached_std(norm2_in));
  probe.attn_out_std.push_back(detached_std(attn_out));
  probe.ffn_out_std.push_back(detached_std(ffn_out));
  probe.layer_out_std.push_back(detached_std(y));
  probe.layer_out_norm.push_back(y.detach().to(torch::kDouble).norm().item<double>());
}

std::vector<double>* logit_max(Probe* probe) { return probe ? &probe->attn_logit_max : nullptr; }

/// Pre-LN layer (Xiong et al. 2020): Eq. (2) then Eq. (1).
class PreLNBlock : public BlockImpl {
 public:
  explicit PreLNBlock(const ModelConfig& c) : BlockImpl(c) {}
  torch::Tensor forward(const torch::Tensor& x, Probe* probe) override {
    auto a = finish(attention->forward(norm1->forward(x), logit_max(probe)), Sublayer::kAttention);
    auto x1 = x + a;  // Eq. (2)
    auto f = finish(ffn(norm2->forward(x1)), Sublayer::kFFN);
    auto y = x1 + f;  // Eq. (1)
    if (probe) record(*probe, x, x1, a, f, y);
    return y;
  }
};

/// Post-LN layer (Vaswani et al. 2017; App. D): x' = LN(x + Attn(x)), y = LN(x' + FFN(x')).
class PostLNBlock : public BlockImpl {
 public:
  explicit PostLNBlock(const ModelConfig& c) : BlockImpl(c) {}
  torch::Tensor forward(const torch::Tensor& x, Probe* probe) override {
    auto a = finish(attention->forward(x, logit_max(probe)), Sublayer::kAttention);
    auto s1 = x + a;
    auto x1 = norm1->forward(s1);
    auto f = finish(ffn(x1), Sublayer::kFFN);
    auto s2 = x1 + f;
    auto y = norm2->forward(s2);
    if (probe) record(*probe, s1, s2, a, f, y);
    return y;
  }
};

}  // namespace

// ---------------------------------------------------------------- DecoderLM
DecoderLMImpl::DecoderLMImpl(ModelConfig config) : config_(std::move(config)) {
  config_.validate();
  const auto& c = config_;
  token_embedding = register_parameter("token_embedding", torch::empty({c.vocab, c.d}));
  position_embedding = register_parameter("position_embedding", torch::empty({c.max_len, c.d}));
  stabilizers = make_stabilizers(c.stabilizers, c);
  for (size_t i = 0; i < stabilizers.size(); ++i)
    register_module("stabilizer" + std::to_string(i), stabilizers[i]);
  for (int64_t i = 0; i < c.n_layers; ++i) {
    std::shared_ptr<BlockImpl> block;
    if (c.arch == Arch::preln)
      block = std::make_shared<PreLNBlock>(c);
    else
      block = std::make_shared<PostLNBlock>(c);
    blocks.push_back(register_module("block" + std::to_string(i), block));
  }
  if (c.arch == Arch::preln)
    final_norm = register_module("final_norm", make_norm(c.norm, c.d, c.bias, c.settings));
  init_weights();
}

void DecoderLMImpl::init_weights() {
  const InitScheme scheme = init_scheme(config_.init, lm_init_context(config_));
  init_draw(token_embedding, scheme.embedding);
  init_draw(position_embedding, scheme.position);
  for (size_t i = 0; i < blocks.size(); ++i)
    blocks[i]->init_weights(scheme.for_layer(static_cast<int64_t>(i)));
}

torch::Tensor DecoderLMImpl::forward(const torch::Tensor& tokens, Probe* probe) {
  auto logits = torch::matmul(hidden(tokens, probe), token_embedding.t());  // (B,T,V), tied output
  for (auto& s : stabilizers) logits = s->output_logits(logits);
  return logits;
}

torch::Tensor DecoderLMImpl::hidden(const torch::Tensor& tokens, Probe* probe) {
  const auto T = tokens.size(1);
  if (T > config_.max_len) fail("sequence length ", T, " exceeds max_len ", config_.max_len);
  auto e = torch::embedding(token_embedding, tokens);  // (B,T,d)
  for (auto& s : stabilizers) e = s->token_embedding(e);
  auto x = e + position_embedding.slice(0, 0, T).unsqueeze(0);  // (B,T,d)
  for (auto& s : stabilizers) x = s->embed(x);
  x = torch::dropout(x, config_.dropout, is_training());
  for (auto& b : blocks) x = b->forward(x, probe);
  if (final_norm) x = final_norm->forward(x);
  return x;
}

DecoderLMImpl::Loss DecoderLMImpl::loss(const torch::Tensor& tokens, const torch::Tensor& targets,
                                        Probe* probe) {
  const bool reads_logits = std::any_of(stabilizers.begin(), stabilizers.end(),
                                        [](const auto& s) { return s->reads_output_logits(); });
  if (config_.loss_chunk > 0 && !reads_logits) {
    // The (B,T,V) logits are never whole: models/fused_cross_entropy.h.
    const auto x = hidden(tokens, probe);
    auto ce = fused_linear_cross_entropy(x.reshape({-1, x.size(-1)}), token_embedding,
                                         targets.reshape({-1}), config_.loss_chunk);
    return {ce, ce, {}};
  }
  auto logits = forward(tokens, probe);
  auto ce = torch::nn::functional::cross_entropy(logits.view({-1, config_.vocab}).to(torch::kFloat),
                                                 targets.reshape({-1}));
  torch::Tensor auxiliary;
  for (auto& s : stabilizers)
    if (auto aux = s->auxiliary_loss(logits); aux.defined())
      auxiliary = auxiliary.defined() ? auxiliary + aux : aux;
  return {ce, auxiliary.defined() ? ce + auxiliary : ce, auxiliary};
}

void DecoderLMImpl::after_step() {
  for (auto& b : blocks) b->attention->after_step();
}

bool DecoderLMImpl::edits_weights() const {
  return std::any_of(blocks.begin(), blocks.end(),
                     [](const auto& b) { return b->attention->edits_weights(); });
}

std::vector<torch::Tensor> DecoderLMImpl::layer_parameters(int64_t i) const {
  return blocks.at(static_cast<size_t>(i))->parameters();
}

}  // namespace spikebench::models
