// fairseq's default initialization, the setup of Takase et al. (2023, B2T connection) that App. D
// follows for Post-LN and B2T: every linear weight Xavier uniform, U(±sqrt(6/(fan_in +
// fan_out))) (Glorot & Bengio 2010; fairseq's Linear), embeddings N(0, d^-1/2) (fairseq's
// Embedding).
#include <cmath>

#include "models/init.h"

namespace spikebench::models {
namespace {

InitScheme xavier(const InitContext& c) {
  const double d = static_cast<double>(c.d), f = static_cast<double>(c.d_ffn);
  const Draw attn{std::sqrt(2.0 / (d + d)), true}, ffn{std::sqrt(2.0 / (d + f)), true};
  const Draw embed{1.0 / std::sqrt(d)};
  return {embed, embed, attn, attn, attn, attn, ffn, ffn};
}

SPIKEBENCH_REGISTER(InitKind, "xavier",
                    "fairseq default: linear Xavier uniform, embeddings N(0, d^-1/2)", xavier);

}  // namespace
}  // namespace spikebench::models
