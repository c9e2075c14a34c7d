// DeepNet's initialization (Wang et al. 2022, "DeepNet: Scaling Transformers to 1,000 Layers",
// Fig. 2 and torchscale): Xavier normal, std = gain·sqrt(2/(fan_in + fan_out)), with gain β on
// W_V, W_O, W_1, W_2 and gain 1 on W_Q, W_K; embeddings N(0, d^-1/2). β is the stack's
// (encoder_decoder.h: deepnet_constants), so it exists only in an encoder-decoder.
#include <cmath>

#include "core/error.h"
#include "models/init.h"

namespace spikebench::models {
namespace {

InitScheme deepnet(const InitContext& c) {
  if (!(c.deepnet_beta > 0))
    fail("init 'deepnet' needs DeepNet's β: use it with an encoder-decoder variant");
  const double d = static_cast<double>(c.d), f = static_cast<double>(c.d_ffn), b = c.deepnet_beta;
  const double attn = std::sqrt(2.0 / (d + d)), ffn = std::sqrt(2.0 / (d + f));
  const Draw embed{1.0 / std::sqrt(d)};
  return {embed, embed, {attn}, {attn}, {b * attn}, {b * attn}, {b * ffn}, {b * ffn}};
}

SPIKEBENCH_REGISTER(InitKind, "deepnet",
                    "Xavier normal, gain β on W_V, W_O, W_1, W_2 (Wang et al. 2022)", deepnet);

}  // namespace
}  // namespace spikebench::models
