#!/usr/bin/env python3
"""Independent float64 reference of spikebench's decoder LM (models/decoder.cpp).

In the spirit of llm.c's test_gpt2.c: this script computes, in float64 with plain tensor ops
(no torch.nn modules, no fused attention), the logits, the losses and the gradient of the total
loss w.r.t. every parameter of a tiny decoder LM, for every combination of

    arch        in {preln, postln}
    norm        in {layernorm, rmsnorm}
    stabilizer  in {vanilla, embed_detach, embed_ln, scaled_embed, qk_layernorm, z_loss,
                    sublayer_norm}

(28 configurations), and writes them to tests/reference/decoder_reference.bin. The C++ test
tests/models/test_reference.cpp (binary test_models) builds models::DecoderLM with the same
config and weights, in float32, and compares.

Regenerate (from the repository root; about a second on one core):

    /root/.cache/spikebench/torch-2.11.0/bin/python tests/reference/decoder_reference.py

Generated with torch 2.11.0+cu130 (CPU), Python 3.11. The script prints the file's SHA-256 and
checks described at the bottom (float32 error margin, every stabilizer is visible).

Tiny config (both sides): vocab 16, d 8, n_heads 2 (d_head 4), d_ffn 32, n_layers 2, max_len 8,
bias true, dropout 0 (eval), activation exact-erf GELU, embed_detach_gamma 0.1, z_loss 1e-4.
The batch: TOKENS below (2 x 8); inputs = TOKENS[:, :7], targets = TOKENS[:, 1:] (2 x 7).

Weight rule (deterministic, no RNG; the C++ test implements the identical rule)
-----------------------------------------------------------------------------
For the parameter with canonical LibTorch name N (named_parameters() key, e.g.
"block0.attention.qkv.weight") and element j of its row-major flattening (j = 0..numel-1):

    k = (sum of the byte values of N's ASCII characters) mod 97
    s = sin(0.37 * j + 0.11 * k)                       (double precision)
    value = 0.2 * s          if the parameter is 2-D (embeddings, linear weights)
            0.05 * s         if it is 1-D and N ends in ".bias" (linear and norm biases)
            1 + 0.1 * s      if it is 1-D and N ends in ".weight" (norm gains)

computed in float64 and rounded to float32 (round to nearest even), which is what the C++
model holds. The reference then uses exactly those float32 values, widened back to float64, so
the reference and the C++ model evaluate the same function at the same point; only the C++
float32 arithmetic differs.

File format (all little-endian)
-------------------------------
    file    := "SBREF001" (8 bytes)  u32 n_globals  entry * n_globals
               u32 n_records  record * n_records
    record  := str config_name  u32 n_entries  entry * n_entries
    entry   := str name  u32 ndim  u64 dims[ndim]  f32 values[prod(dims)]   (row-major)
    str     := u32 n_bytes  ASCII bytes (no terminator)

Values are computed in float64 and stored rounded to float32 (IEEE binary32): the rounding
(relative 6e-8) is 1/170 of the comparison's rtol, and it halves the file (279 kB).

Globals: "inputs" (2,7) and "targets" (2,7) (token ids, exact in float32), and the
scalars (ndim 0) "vocab", "d", "n_heads", "d_ffn", "n_layers", "max_len",
"embed_detach_gamma", "z_loss" so the C++ side can check it builds the same config.
Record names: "<arch>/<norm>/<stabilizer>", e.g. "preln/rmsnorm/qk_layernorm".
Record entries: "logits" (2,7,16); "cross_entropy" () the mean next-token cross entropy;
"loss" () the total loss = cross entropy + auxiliary losses (z-loss); and "grad/<N>" (shape of
the parameter) = d loss / d parameter N, for every parameter N of the model.
"""
import hashlib
import math
import os
import struct
import sys
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
import torch  # noqa: E402

torch.set_num_threads(1)

# ------------------------------------------------------------------------------------ config
CONFIG = dict(vocab=16, d=8, n_heads=2, d_ffn=32, n_layers=2, max_len=8,
              embed_detach_gamma=0.1, z_loss=1e-4)
BIAS = True
NORM_EPS = 1e-5  # models/norms/layernorm.cpp and rmsnorm.cpp: kEps = 1e-5
TOKENS = [[3, 14, 1, 5, 9, 2, 6, 0],
          [15, 7, 11, 4, 12, 8, 10, 13]]

ARCHS = ["preln", "postln"]
NORMS = ["layernorm", "rmsnorm"]
STABILIZERS = ["vanilla", "embed_detach", "embed_ln", "scaled_embed", "qk_layernorm", "z_loss",
               "sublayer_norm"]
MODEL_LEVEL = {"vanilla", "embed_detach", "embed_ln", "scaled_embed", "z_loss"}  # else per-layer

# The C++ test's comparison: |got - want| <= ATOL + RTOL * |want| per element. The C++ model
# computes in float32 (eps 6e-8); its errors are absolute, on the scale of the O(1) quantities
# that are summed (logits, LN-amplified pre-LN gradients up to ~3), not of each element: this
# script's own float32 run reaches |error| ~2e-6 on logits of size ~1, which rtol 1e-5 with atol
# 1e-6 would only just pass (excess 0.98). atol 1e-5 passes it with a factor ~4 to spare, while
# the faintest stabilizer (z-loss, coefficient 1e-4) still differs from vanilla by ~20x the
# tolerance and every other one by >= 1e3x (checked below). (A float32 mirror of decoder.cpp
# built from the same ATen ops it calls -- scaled_dot_product_attention, layer_norm, gelu,
# cross_entropy, logsumexp -- reached excess 1.17 at atol 1e-6 and 0.32 at 1e-5; it is not part
# of this script, which stays free of fused kernels.)
RTOL, ATOL = 1e-5, 1e-5

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "decoder_reference.bin")


# ---------------------------------------------------------------------- parameter layout
def norm_params(prefix, width, norm):
    """A norm's parameters: LayerNorm has weight (+ bias when BIAS); RMSNorm only weight."""
    out = [(prefix + ".weight", (width,))]
    if norm == "layernorm" and BIAS:
        out.append((prefix + ".bias", (width,)))
    return out


def linear_params(prefix, d_in, d_out):
    out = [(prefix + ".weight", (d_out, d_in))]
    if BIAS:
        out.append((prefix + ".bias", (d_out,)))
    return out


def parameter_layout(arch, norm, stabilizer):
    """(name, shape) of every parameter, named as LibTorch's named_parameters() names them."""
    c = CONFIG
    d, dh = c["d"], c["d"] // c["n_heads"]
    params = [("token_embedding", (c["vocab"], d)), ("position_embedding", (c["max_len"], d))]
    # Each config has exactly one stabilizer, so it is "stabilizer0" wherever it lives.
    if stabilizer == "embed_ln":
        params += norm_params("stabilizer0.norm", d, norm)
    for i in range(c["n_layers"]):
        b = f"block{i}."
        if stabilizer == "qk_layernorm":
            params += norm_params(b + "stabilizer0.q", dh, norm)
            params += norm_params(b + "stabilizer0.k", dh, norm)
        if stabilizer == "sublayer_norm":
            params += norm_params(b + "stabilizer0.proj", d, norm)
            params += norm_params(b + "stabilizer0.fc2", d, norm)
        params += linear_params(b + "attention.qkv", d, 3 * d)
        params += linear_params(b + "attention.out", d, d)
        params += linear_params(b + "ffn.w1", d, c["d_ffn"])
        params += linear_params(b + "ffn.w2", c["d_ffn"], d)
        params += norm_params(b + "norm1", d, norm)
        params += norm_params(b + "norm2", d, norm)
    if arch == "preln":
        params += norm_params("final_norm", d, norm)
    return params


def formula_weight(name, shape):
    """The weight rule of the module docstring, as float32 values widened to float64."""
    k = sum(name.encode("ascii")) % 97
    numel = math.prod(shape)
    s = [math.sin(0.37 * j + 0.11 * k) for j in range(numel)]
    if len(shape) == 2:
        v = [0.2 * x for x in s]
    elif len(shape) == 1 and name.endswith(".bias"):
        v = [0.05 * x for x in s]
    elif len(shape) == 1 and name.endswith(".weight"):
        v = [1.0 + 0.1 * x for x in s]
    else:
        raise ValueError(f"no weight rule for {name} {shape}")
    t = torch.tensor(v, dtype=torch.float64).to(torch.float32).to(torch.float64)
    return t.reshape(shape)


# ------------------------------------------------------------------------------- the model
def norm_fn(x, P, prefix, norm):
    """LayerNorm: (x - mean) / sqrt(biased var + eps) * g + b.  RMSNorm: x / sqrt(mean x^2 + eps) * g."""
    g = P[prefix + ".weight"]
    if norm == "layernorm":
        mean = x.mean(dim=-1, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
        y = (x - mean) / torch.sqrt(var + NORM_EPS) * g
        if prefix + ".bias" in P:
            y = y + P[prefix + ".bias"]
        return y
    rms = torch.sqrt((x * x).mean(dim=-1, keepdim=True) + NORM_EPS)
    return x / rms * g


def linear(x, P, prefix):
    y = x @ P[prefix + ".weight"].t()
    if prefix + ".bias" in P:
        y = y + P[prefix + ".bias"]
    return y


def gelu(x):
    """Exact GELU: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))."""
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def attention(x, P, b, norm, stabilizer):
    B, T, d = x.shape
    h = CONFIG["n_heads"]
    dh = d // h
    qkv = linear(x, P, b + "attention.qkv")  # (B,T,3d): [q | k | v], each head-major (h, dh)
    q, k, v = (qkv[..., i * d:(i + 1) * d].reshape(B, T, h, dh).transpose(1, 2)
               for i in range(3))  # (B,h,T,dh)
    if stabilizer == "qk_layernorm":  # a norm over d_head for every head's queries and keys
        q = norm_fn(q, P, b + "stabilizer0.q", norm)
        k = norm_fn(k, P, b + "stabilizer0.k", norm)
    scores = q @ k.transpose(-1, -2) / math.sqrt(dh)  # (B,h,T,T)
    future = torch.ones(T, T, dtype=torch.bool).triu(diagonal=1)  # key position > query position
    scores = scores.masked_fill(future, float("-inf"))
    probs = torch.exp(scores - scores.max(dim=-1, keepdim=True).values)
    probs = probs / probs.sum(dim=-1, keepdim=True)
    heads = probs @ v  # (B,h,T,dh)
    return linear(heads.transpose(1, 2).reshape(B, T, d), P, b + "attention.out")


def ffn(x, P, b):
    return linear(gelu(linear(x, P, b + "ffn.w1")), P, b + "ffn.w2")


def sublayer_hook(y, P, b, which, norm, stabilizer):
    """Stabilizers acting on a sub-layer's output before the shortcut (dropout is 0)."""
    if stabilizer == "sublayer_norm":
        return norm_fn(y, P, b + ("stabilizer0.proj" if which == "attn" else "stabilizer0.fc2"), norm)
    return y


def logits_fn(P, inputs, arch, norm, stabilizer):
    c = CONFIG
    T = inputs.shape[1]
    e = P["token_embedding"][inputs]  # (B,T,d)
    if stabilizer == "scaled_embed":  # token embeddings only, before the positions
        e = e * math.sqrt(c["d"])
    x = e + P["position_embedding"][:T].unsqueeze(0)
    if stabilizer == "embed_ln":
        x = norm_fn(x, P, "stabilizer0.norm", norm)
    if stabilizer == "embed_detach":
        g = c["embed_detach_gamma"]
        x = g * x + (1.0 - g) * x.detach()
    for i in range(c["n_layers"]):
        b = f"block{i}."
        if arch == "preln":
            x1 = x + sublayer_hook(attention(norm_fn(x, P, b + "norm1", norm), P, b, norm,
                                             stabilizer), P, b, "attn", norm, stabilizer)
            x = x1 + sublayer_hook(ffn(norm_fn(x1, P, b + "norm2", norm), P, b), P, b, "ffn",
                                   norm, stabilizer)
        else:
            s1 = x + sublayer_hook(attention(x, P, b, norm, stabilizer), P, b, "attn", norm,
                                   stabilizer)
            x1 = norm_fn(s1, P, b + "norm1", norm)
            s2 = x1 + sublayer_hook(ffn(x1, P, b), P, b, "ffn", norm, stabilizer)
            x = norm_fn(s2, P, b + "norm2", norm)
    if arch == "preln":
        x = norm_fn(x, P, "final_norm", norm)
    return x @ P["token_embedding"].t()  # tied output layer


def losses(logits, targets, stabilizer):
    flat = logits.reshape(-1, logits.shape[-1])
    m = flat.max(dim=-1, keepdim=True).values
    log_z = (m + torch.log(torch.exp(flat - m).sum(dim=-1, keepdim=True))).squeeze(-1)
    picked = flat.gather(1, targets.reshape(-1, 1)).squeeze(1)
    ce = (log_z - picked).mean()
    total = ce
    if stabilizer == "z_loss":
        total = total + CONFIG["z_loss"] * (log_z ** 2).mean()
    return ce, total


def run(arch, norm, stabilizer, dtype=torch.float64):
    """Entries of one record: logits, cross_entropy, loss, grad/<name> (in dtype)."""
    layout = parameter_layout(arch, norm, stabilizer)
    P = {n: formula_weight(n, s).to(dtype).requires_grad_(True) for n, s in layout}
    tokens = torch.tensor(TOKENS, dtype=torch.int64)
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    logits = logits_fn(P, inputs, arch, norm, stabilizer)
    ce, total = losses(logits, targets, stabilizer)
    names = [n for n, _ in layout]
    grads = torch.autograd.grad(total, [P[n] for n in names], allow_unused=True)
    entries = [("logits", logits.detach()), ("cross_entropy", ce.detach()), ("loss", total.detach())]
    for n, g in zip(names, grads):
        if g is None:
            raise RuntimeError(f"{arch}/{norm}/{stabilizer}: parameter {n} gets no gradient")
        entries.append(("grad/" + n, g))
    return entries


# ---------------------------------------------------------------------------------- writing
def pack_str(s):
    b = s.encode("ascii")
    return struct.pack("<I", len(b)) + b


def stored(t):
    """What the file holds: float32-rounded values (widened back to float64 for comparisons)."""
    return t.detach().to(torch.float32).to(torch.float64)


def pack_entry(name, t):
    t = t.detach().to(torch.float32).contiguous()
    out = pack_str(name) + struct.pack("<I", t.dim())
    out += b"".join(struct.pack("<Q", n) for n in t.shape)
    values = t.reshape(-1).tolist()  # float32 values, exact as Python floats
    return out + struct.pack(f"<{len(values)}f", *values)


def excess(got, want):
    """max over elements of |got - want| / (ATOL + RTOL |want|): <= 1 passes the C++ check."""
    return ((got.to(torch.float64) - want).abs() / (ATOL + RTOL * want.abs())).max().item()


def main():
    tokens = torch.tensor(TOKENS, dtype=torch.float64)
    globals_ = [("inputs", tokens[:, :-1]), ("targets", tokens[:, 1:])]
    globals_ += [(k, torch.tensor(float(v), dtype=torch.float64)) for k, v in CONFIG.items()]

    records = {}
    worst32 = (0.0, "")
    for arch in ARCHS:
        for norm in NORMS:
            for stabilizer in STABILIZERS:
                key = f"{arch}/{norm}/{stabilizer}"
                entries = run(arch, norm, stabilizer)
                records[key] = entries
                # Float32 margin: the same computation in float32 (same float32 weights) stands
                # in for the C++ model's float32 arithmetic; it must pass the tolerance with room.
                for (n, want), (_, got) in zip(entries, run(arch, norm, stabilizer, torch.float32)):
                    e = excess(got, stored(want))
                    if e > worst32[0]:
                        worst32 = (e, f"{key} {n}")

    # Every stabilizer must be visible against vanilla (same arch and norm): the largest excess
    # over the shared entries is the margin by which a model missing it would fail.
    print("stabilizer visibility (max excess over vanilla, shared entries; >> 1 needed):")
    for arch in ARCHS:
        for norm in NORMS:
            base = dict(records[f"{arch}/{norm}/vanilla"])
            for stabilizer in STABILIZERS[1:]:
                ent = records[f"{arch}/{norm}/{stabilizer}"]
                e, what = max((excess(stored(t), stored(base[n])), n) for n, t in ent if n in base)
                print(f"  {arch}/{norm}/{stabilizer}: {e:.3g} ({what})")
                if e < 10:
                    raise RuntimeError(f"{arch}/{norm}/{stabilizer} is indistinguishable from vanilla")

    blob = b"SBREF001" + struct.pack("<I", len(globals_))
    blob += b"".join(pack_entry(n, t) for n, t in globals_)
    blob += struct.pack("<I", len(records))
    for key, entries in records.items():
        blob += pack_str(key) + struct.pack("<I", len(entries))
        blob += b"".join(pack_entry(n, t) for n, t in entries)
    with open(OUT, "wb") as f:
        f.write(blob)

    print(f"float32 run vs float64 reference: worst excess {worst32[0]:.3g} at {worst32[1]} "
          f"(tolerance rtol {RTOL}, atol {ATOL}; <= 1 passes)")
    print(f"torch {torch.__version__}; wrote {OUT}: {len(records)} records, {len(blob)} bytes, "
          f"sha256 {hashlib.sha256(blob).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
