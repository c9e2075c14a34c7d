#!/usr/bin/env python3
"""GPT-2 interoperability oracle: spikebench against Hugging Face transformers, offline.

Registered with ctest as `interop:gpt2_roundtrip` (tests/CMakeLists.txt), run with the cached
venv's Python, where scripts/setup.sh installs a pinned transformers. Checks, each at 1e-5:

1. transformers -> spikebench: a tiny random GPT2LMHeadModel (GPT-2 BPE vocabulary, every
   parameter perturbed so LayerNorm gains and biases are not ones/zeros) saved with
   save_pretrained (safetensors) is read by `spikebench import-hf`; `spikebench eval --task
   logits` equals model(ids).logits (max abs difference).
2. The perplexity convention: `spikebench eval --task text` of a short plain text equals
   exp(loss) of model(ids, labels=ids) for the same GPT-2 BPE ids (no <|endoftext|> prepended:
   the first id is context only, the loss averages over the n - 1 next-token predictions).
3. spikebench -> transformers: `spikebench export-hf` of the imported folder, and of a model
   spikebench trained itself (`spikebench run` with save_model: true, vocab 256),
   load with GPT2LMHeadModel.from_pretrained(folder) and give spikebench's logits.
4. A Scaled Embed model is refused by export-hf with the reason (exit 1, no folder).

Usage: gpt2_roundtrip.py --spikebench PATH [--data-dir DIR] [--work DIR]
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import torch
from safetensors.torch import load_file
from tokenizers import Tokenizer, models as bpe_models, pre_tokenizers
from transformers import GPT2Config, GPT2LMHeadModel

TOL = 1e-5
TEXT = ("The quick brown fox jumps over the lazy dog. Loss spikes are sudden increases in the "
        "loss value during pre-training, and they can ruin a run.\n")


def sh(*args, expect=0):
    r = subprocess.run(list(args), capture_output=True, text=True)
    if r.returncode != expect:
        sys.exit(f"FAIL: {' '.join(args)}\n exit {r.returncode} (expected {expect})\n"
                 f"{r.stdout}{r.stderr}")
    return r


def spikebench_logits(bin_, folder, ids, out):
    sh(bin_, "eval", "--checkpoint", folder, "--task", "logits",
       "--tokens", " ".join(map(str, ids)), "--out", out)
    return load_file(out)["logits"]


def check(name, got, want):
    diff = (got - want).abs().max().item()
    print(f"{name}: max |diff| = {diff:.3g} (tolerance {TOL:g})")
    if not diff <= TOL:
        sys.exit(f"FAIL: {name}")


def hf_logits(folder, ids):
    model = GPT2LMHeadModel.from_pretrained(folder).eval()
    with torch.no_grad():
        return model(torch.tensor([ids])).logits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spikebench", required=True)
    ap.add_argument("--data-dir", default=os.environ.get("SPIKEBENCH_DATA_DIR", ""))
    ap.add_argument("--work", default="")
    a = ap.parse_args()
    bin_ = a.spikebench
    work = a.work or tempfile.mkdtemp(prefix="spikebench-interop-")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    torch.manual_seed(0)

    # 1. transformers -> spikebench
    config = GPT2Config(vocab_size=50257, n_positions=64, n_embd=32, n_layer=2, n_head=4,
                        activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0,
                        attn_pdrop=0.0)
    model = GPT2LMHeadModel(config).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    hf_dir = os.path.join(work, "hf_tiny")
    model.save_pretrained(hf_dir, safe_serialization=True)
    ckpt = os.path.join(work, "ckpt")
    sh(bin_, "import-hf", hf_dir, "--out", ckpt)
    ids = [int(i) for i in torch.randint(0, 50257, (40,))]
    with torch.no_grad():
        want = model(torch.tensor([ids])).logits
    got = spikebench_logits(bin_, ckpt, ids, os.path.join(work, "logits_import.safetensors"))
    check("import-hf logits vs transformers", got, want)

    # 2. perplexity of a short plain text, same tokens
    gpt2 = os.path.join(a.data_dir, "gpt2")
    # GPT2TokenizerFast's construction: byte-level BPE over OpenAI's files, no prefix space.
    tok = Tokenizer(bpe_models.BPE.from_file(os.path.join(gpt2, "encoder.json"),
                                         os.path.join(gpt2, "vocab.bpe")))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    text_file = os.path.join(work, "text.txt")
    with open(text_file, "w") as f:
        f.write(TEXT)
    text_ids = tok.encode(TEXT).ids
    with torch.no_grad():
        loss = model(torch.tensor([text_ids]), labels=torch.tensor([text_ids])).loss.item()
    r = json.loads(sh(bin_, "eval", "--checkpoint", ckpt, "--task", "text", "--file", text_file,
                      "--json", "--data-dir", a.data_dir).stdout)
    print(f"text ppl: spikebench {r['ppl']:.8g} ({r['tokens']} ids, {r['tokens_scored']} "
          f"scored), transformers {math.exp(loss):.8g} ({len(text_ids)} ids)")
    if r["tokens"] != len(text_ids) or r["tokens_scored"] != len(text_ids) - 1:
        sys.exit("FAIL: spikebench and transformers tokenized the text differently")
    if not abs(r["ppl"] / math.exp(loss) - 1) <= TOL:
        sys.exit("FAIL: text perplexity differs")

    # 3. spikebench -> transformers: the imported model, and one spikebench trained
    out = os.path.join(work, "hf_export")
    sh(bin_, "export-hf", ckpt, "--out", out)
    check("export-hf (imported) logits vs transformers", hf_logits(out, ids), got)

    study = os.path.join(work, "tiny.yaml")
    with open(study, "w") as f:
        f.write("""name: tiny_export
runner: train_lm
methods:
  vanilla: {stabilizers: []}
  scaled_embed: {stabilizers: [scaled_embed]}
grid: {sizes: [cpu], lrs: [1.0e-3], seeds: 1}
scales:
  cpu:
    defaults: {steps: 3, batch: 2, seq_len: 16, d: 32, n_heads: 2, n_layers: 2, data_bytes: 100000,
               activation: gelu_tanh, eval_wikitext_windows: -1, eval_lambada_examples: -1,
               save_model: true, threads: 1}
""")
    results = os.path.join(work, "results")
    sh(bin_, "run", study, "--scale", "cpu", "--out", results, "--data-dir", a.data_dir)
    models = os.path.join(results, "tiny_export-cpu.models")
    trained = os.path.join(models, "vanilla-cpu-lr1e-03-s0")
    byte_ids = list(TEXT.encode())[:16]
    mine = spikebench_logits(bin_, trained, byte_ids, os.path.join(work, "logits_trained.safetensors"))
    out2 = os.path.join(work, "hf_trained")
    sh(bin_, "export-hf", trained, "--out", out2)
    check("export-hf (trained by spikebench) logits vs transformers", hf_logits(out2, byte_ids), mine)

    # 4. a configuration GPT-2 cannot express is refused, with the reason and no folder
    refused = os.path.join(work, "hf_refused")
    r = sh(bin_, "export-hf", os.path.join(models, "scaled_embed-cpu-lr1e-03-s0"), "--out",
           refused, expect=1)
    if "scaled_embed" not in r.stderr or os.path.exists(os.path.join(refused, "config.json")):
        sys.exit(f"FAIL: export-hf of Scaled Embed: {r.stderr}")
    print("export-hf refuses Scaled Embed:", r.stderr.strip())
    shutil.rmtree(work, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
