#include "models/fused_cross_entropy.h"

#include <torch/torch.h>

#include "core/error.h"

namespace spikebench::models {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class FusedLinearCrossEntropy : public torch::autograd::Function<FusedLinearCrossEntropy> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& h, const torch::Tensor& w,
                               const torch::Tensor& targets, int64_t chunk_rows) {
    const int64_t n = h.size(0);
    // Gradients are made here only when someone will ask for them (not in evaluation).
    const bool want_grad = ctx != nullptr && (h.requires_grad() || w.requires_grad());
    auto loss = torch::zeros({}, h.options().dtype(torch::kFloat));
    torch::Tensor dh, dw;
    if (want_grad) {
      dh = torch::empty_like(h);
      dw = torch::zeros(w.sizes(), w.options().dtype(torch::kFloat));
    }
    for (int64_t r0 = 0; r0 < n; r0 += chunk_rows) {
      const int64_t r1 = std::min(n, r0 + chunk_rows);
      const auto hc = h.slice(0, r0, r1);
      const auto tc = targets.slice(0, r0, r1).unsqueeze(1);              // (c, 1)
      auto z = torch::matmul(hc, w.t()).to(torch::kFloat);                // (c, V)
      const auto lse = torch::logsumexp(z, /*dim=*/1, /*keepdim=*/true);  // (c, 1)
      loss += (lse - z.gather(1, tc)).sum();
      if (!want_grad) continue;
      // G = (softmax(z) − onehot) / N, in place of z: the chunk's only (c, V) buffer.
      z.sub_(lse).exp_();
      z.scatter_add_(1, tc, torch::full_like(tc, -1, z.options()));
      z.div_(static_cast<double>(n));
      const auto g = z.to(h.scalar_type());
      dh.slice(0, r0, r1).copy_(torch::matmul(g, w));
      dw.add_(torch::matmul(g.t(), hc).to(torch::kFloat));
    }
    if (want_grad) ctx->save_for_backward({dh, dw.to(w.scalar_type())});
    return loss / static_cast<double>(n);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    const auto saved = ctx->get_saved_variables();
    const auto& g = grad_out[0];  // scalar
    return {saved[0] * g.to(saved[0].scalar_type()), saved[1] * g.to(saved[1].scalar_type()),
            torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor fused_linear_cross_entropy(const torch::Tensor& h, const torch::Tensor& w,
                                         const torch::Tensor& targets, int64_t chunk_rows) {
  if (chunk_rows < 1) fail("fused cross entropy: chunk_rows must be ≥ 1, got ", chunk_rows);
  if (h.dim() != 2 || w.dim() != 2 || h.size(1) != w.size(1) || targets.dim() != 1 ||
      targets.size(0) != h.size(0))
    fail("fused cross entropy: expected h (N,d), w (V,d), targets (N)");
  if (!torch::GradMode::is_enabled() || (!h.requires_grad() && !w.requires_grad()))
    return FusedLinearCrossEntropy::forward(nullptr, h, w, targets, chunk_rows);
  return FusedLinearCrossEntropy::apply(h, w, targets, chunk_rows);
}

}  // namespace spikebench::models
