#!/usr/bin/env python3
"""PyTorch-Python reference of the engine's training update (bench/model/engine_step.cpp).

The same DecoderLM as models/decoder.cpp (Pre-LN, LayerNorm eps 1e-5, GELU, learned positions,
Scaled Embed, tied output via matmul, SDPA causal attention, dropout 0.1, biases) and the same
update as suite/engine/train_lm.cpp (AdamW 5e-4, betas (0.9, 0.999), eps 1e-8, weight decay 0.01
on >= 2-dim tensors only, zero_grad, loss.item(), clip_grad_norm_ 1.0, step) on one fixed batch.
Prints one JSON line: tokens/s over --steps timed updates after --warmup untimed ones.
"""
import argparse, json, math, resource, time

import torch
import torch.nn as nn
import torch.nn.functional as F

SHAPES = {  # name: (vocab, d, n_layers, n_heads, max_len, batch, seq_len), as engine_step.cpp
    "cpu": (256, 128, 4, 4, 128, 16, 128),
    "v50257": (50257, 256, 4, 4, 128, 8, 128),
    "350m": (50257, 1024, 24, 16, 2048, 1, 512),
    "tiny": (256, 64, 2, 2, 128, 2, 32),
}


class Attention(nn.Module):
    def __init__(self, d, h, dropout):
        super().__init__()
        self.h, self.dropout = h, dropout
        self.qkv, self.out = nn.Linear(d, 3 * d), nn.Linear(d, d)

    def forward(self, x):
        B, T, d = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=True)
        return self.out(y.transpose(1, 2).reshape(B, T, d))


class Block(nn.Module):  # Pre-LN: x1 = x + drop(Attn(LN(x))); y = x1 + drop(FFN(LN(x1)))
    def __init__(self, d, h, dropout):
        super().__init__()
        self.attention = Attention(d, h, dropout)
        self.w1, self.w2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.norm1, self.norm2 = nn.LayerNorm(d, eps=1e-5), nn.LayerNorm(d, eps=1e-5)
        self.p = dropout

    def forward(self, x):
        x = x + F.dropout(self.attention(self.norm1(x)), self.p, self.training)
        return x + F.dropout(self.w2(F.gelu(self.w1(self.norm2(x)))), self.p, self.training)


class DecoderLM(nn.Module):
    def __init__(self, vocab, d, n_layers, n_heads, max_len, dropout=0.1):
        super().__init__()
        self.token_embedding = nn.Parameter(torch.empty(vocab, d))
        self.position_embedding = nn.Parameter(torch.empty(max_len, d))
        self.blocks = nn.ModuleList(Block(d, n_heads, dropout) for _ in range(n_layers))
        self.final_norm = nn.LayerNorm(d, eps=1e-5)
        self.scale, self.p, self.vocab = math.sqrt(d), dropout, vocab
        sigma, reduced = math.sqrt(2 / (5 * d)), math.sqrt(2 / (5 * d)) / math.sqrt(2 * n_layers)
        with torch.no_grad():  # scaled init (§2.2): W_O, W2 at sigma / sqrt(2N)
            for name, p in self.named_parameters():
                if p.dim() < 2:
                    p.fill_(1.0 if "norm" in name and name.endswith("weight") else 0.0)
                else:
                    p.normal_(0, reduced if name.endswith(("out.weight", "w2.weight")) else sigma)

    def loss(self, tokens, targets):
        T = tokens.shape[1]
        x = (F.embedding(tokens, self.token_embedding) + self.position_embedding[:T].unsqueeze(0))
        x = F.dropout(x * self.scale, self.p, self.training)  # Scaled Embed, then dropout
        for b in self.blocks:
            x = b(x)
        logits = torch.matmul(self.final_norm(x), self.token_embedding.t())
        return F.cross_entropy(logits.view(-1, self.vocab).float(), targets.reshape(-1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", choices=SHAPES, default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--adamw", choices=["default", "foreach", "fused"], default="default",
                    help="torch.optim.AdamW implementation (default = CPU for-loop, like C++)")
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--profile", type=int, default=0, metavar="ROWS",
                    help="after timing, profile 2 steps and print the top ROWS ops (self CPU)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    vocab, d, n, h, max_len, batch, seq = SHAPES[a.shape]
    torch.manual_seed(0)
    model = DecoderLM(vocab, d, n, h, max_len, a.dropout)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    impl = {"default": {}, "foreach": {"foreach": True}, "fused": {"fused": True}}[a.adamw]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=5e-4, betas=(0.9, 0.999), eps=1e-8, **impl)
    params = list(model.parameters())
    tokens = torch.randint(vocab, (batch, seq + 1))
    x, y = tokens[:, :seq], tokens[:, 1:]
    model.train()

    phases = dict(fwd=0.0, bwd=0.0, clip=0.0, opt=0.0)  # seconds, as EngineStep::phases

    def step():
        t0 = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = 5e-4
        opt.zero_grad()
        loss = model.loss(x, y)
        t1 = time.perf_counter()
        loss.backward()
        value = loss.item()
        t2 = time.perf_counter()
        norm = float(torch.nn.utils.clip_grad_norm_(params, 1.0))
        t3 = time.perf_counter()
        if math.isfinite(value) and math.isfinite(norm):
            opt.step()
        t4 = time.perf_counter()
        for k, dt in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            phases[k] += dt
        return value

    for _ in range(a.warmup):
        step()
    phases.update(dict.fromkeys(phases, 0.0))
    faults0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t0 = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "shape": a.shape, "threads": a.threads, "steps": a.steps, "adamw": a.adamw,
        "ms_per_step": 1e3 * seconds / a.steps, "tokens_per_s": a.steps * batch * seq / seconds,
        "loss": loss, "peak_rss_MiB": usage.ru_maxrss / 1024,
        "minflt_per_step": (usage.ru_minflt - faults0) / a.steps,
        **{k + "_ms": 1e3 * v / a.steps for k, v in phases.items()}, "torch": torch.__version__}))
    if a.profile:
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            for _ in range(2):
                step()
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=a.profile))


if __name__ == "__main__":
    main()
