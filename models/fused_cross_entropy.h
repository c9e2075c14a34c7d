#pragma once
// Mean next-token cross entropy of the tied output layer, logits = h·Wᵀ, computed in chunks of
// rows so that neither the (N, V) logits nor their gradient is ever whole in memory (issue 16;
// the same idea as Liger-Kernel's fused linear cross entropy and Apple's Cut Cross-Entropy).
// The loss is the last op of the graph, so its gradients are known in the forward pass: for
// each chunk c of rows,
//   z_c = h_c Wᵀ,  ℓ = Σ_rows (logsumexp(z_c) − z_c[target]) / N,
//   G_c = (softmax(z_c) − onehot(target)) / N,  ∂ℓ/∂h_c = G_c W,  ∂ℓ/∂W += G_cᵀ h_c,
// and backward only scales the kept ∂ℓ/∂h (N, d) and ∂ℓ/∂W (V, d) by the incoming gradient.
// Same FLOPs as the unfused path (three N·V·d matmuls); peak extra memory chunk·V instead of
// several N·V buffers. Softmax and the loss run in float32, as the unfused path's .to(kFloat).
#include <torch/types.h>

namespace spikebench::models {

/// h: (N, d) final hidden states; w: (V, d) the tied output weights; targets: (N,) int64.
/// Returns the scalar mean cross entropy; differentiable in h and w.
torch::Tensor fused_linear_cross_entropy(const torch::Tensor& h, const torch::Tensor& w,
                                         const torch::Tensor& targets, int64_t chunk_rows);

}  // namespace spikebench::models
