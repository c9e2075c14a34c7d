// The four encoder-decoder variants of App. D / Table 5, registered by name. Each is a layer
// arrangement (Post-LN or Pre-LN; DeepNorm's α; the B2T connection), a registered init and the
// registered stabilizers it uses. Every variant scales the token embeddings by sqrt(d):
// fairseq's Transformer does (embed_scale = sqrt(d); Takase et al. 2023's setup, which App. D
// follows), and for the paper's method it is Scaled Embed itself (§3.2).
#include "models/encoder_decoder.h"

namespace spikebench::models {
namespace {

// Post-LN, the original Transformer (Vaswani et al. 2017): x' = LN(x + F(x)) per sub-layer, with
// fairseq's default init (Xavier uniform, embeddings N(0, d^-1/2)). Not in Table 5: an extra.
SPIKEBENCH_REGISTER(Seq2SeqVariant, "postln",
                    "Post-LN Transformer (Vaswani et al. 2017), fairseq init (not in Table 5)",
                    /*pre_ln=*/false, /*b2t=*/false, /*deepnorm=*/false, /*init=*/"xavier",
                    /*stabilizers=*/{"scaled_embed"});

// DeepNet (Wang et al. 2022): Post-LN with x' = LN(α x + F(x)) and the β-scaled Xavier init.
SPIKEBENCH_REGISTER(Seq2SeqVariant, "deepnet",
                    "DeepNet (Wang et al. 2022): DeepNorm α residuals, β-scaled Xavier init",
                    /*pre_ln=*/false, /*b2t=*/false, /*deepnorm=*/true, /*init=*/"deepnet",
                    /*stabilizers=*/{"scaled_embed"});

// B2T connection (Takase et al. 2023, "B2T connection: Serving stability and performance in deep
// transformers", §3): Post-LN whose last LN of each layer also receives the layer input x;
// fairseq's default init as in that paper.
SPIKEBENCH_REGISTER(Seq2SeqVariant, "b2t",
                    "Post-LN + bottom-to-top connection (Takase et al. 2023), fairseq init",
                    /*pre_ln=*/false, /*b2t=*/true, /*deepnorm=*/false, /*init=*/"xavier",
                    /*stabilizers=*/{"scaled_embed"});

// The paper's method (§3.2-3.3): Pre-LN (Xiong et al. 2020) with the scaled init and Scaled Embed.
SPIKEBENCH_REGISTER(Seq2SeqVariant, "preln_scaled_embed",
                    "Pre-LN + scaled init + Scaled Embed (the paper's method, §3.2)",
                    /*pre_ln=*/true, /*b2t=*/false, /*deepnorm=*/false, /*init=*/"scaled",
                    /*stabilizers=*/{"scaled_embed"});

}  // namespace
}  // namespace spikebench::models
