#!/usr/bin/env python3
"""Instability pilot (issue 24): per design, lr and method, how often and how hard training
breaks, from the pilot's results files (bench/pilot/instability/README.md).

Per run, from the whole curves (the pilot disables the monitor's loss rule, so runs keep going):
  nonfinite  the run stopped on a non-finite loss or gradient norm (status diverged@...)
  loss_rule  the loss stayed above 2x its running minimum for 20 consecutive updates (the
             suite's default divergence rule, applied afterwards)
  stall      the final validation loss within 0.1 nats of the unigram entropy of the proxy
             corpus (3.19 nats for the 4 MB of byte-level Wikipedia the cpu proxy reads): the
             model learned nothing beyond byte frequencies
  failed     any of the three
  jump       the largest rise of the training loss above its running minimum (nats), from the
             second update on (so warmup jumps count); jump_aw: the same, peaks after warmup only
  spikes     z > 6 spikes over the expanding window (W 128, from 16 values) the runs logged
  gmax       the largest pre-clip gradient norm
  valid      the final validation loss (inf when non-finite)
  sec        seconds per run (from tokens/s)
Paired lines compare each method with vanilla on the same seeds: discordant failure pairs
(exact McNemar, one-sided "vanilla fails more") and jump (Wilcoxon, "vanilla jumps higher").

--power FILE.h5 prints the power analysis behind the spikes artifact's seed count (its three
claims, from the shallow design's pilot pairs): for the Wilcoxon claims the pairs a one-sided test
at alpha / 6 (Holm over 3 claims and their reverses) needs for 80 % power against the pilot's
mean difference and spread — the formula of stats/power.cpp (normal theory, ARE 3/pi),
and at least the n whose smallest p reaches that level; for the McNemar claim the smallest n
with P(Binomial(n, q) >= k) >= 0.8, k the discordant pairs the exact test needs and q the
pilot's discordance rate shrunk by Laplace's rule ((x + 1) / (n + 2)).

Usage: analyze.py FILE.h5 [...] [--unigram 3.19] [--power]    (h5py, numpy, scipy)
"""
import argparse
import math
import os
import sys
from collections import defaultdict

import h5py
import numpy as np
from scipy import stats

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from curves import loss_rule  # noqa: E402


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def largest_jump(v, start=1):
    """max_t v[t] - min(v[:t]) over t >= start (NaN skipped): (rise, row)."""
    best, row, low = 0.0, -1, math.inf
    for t, x in enumerate(v):
        if math.isnan(x):
            continue
        if t >= start and math.isfinite(low) and x - low > best:
            best, row = x - low, t
        low = min(low, x)
    return best, row


def run_metrics(g, unigram):
    loss = g["train/loss"][:]
    warmup = max(1, round(0.05 * len(loss)))
    valid = g["valid/loss"][:] if "valid/loss" in g else np.array([np.nan])
    status = text(g.attrs.get("status", "ok"))
    nonfinite = status.startswith("diverged")
    v_last = float(valid[-1]) if len(valid) else math.nan
    if nonfinite or not math.isfinite(v_last):
        v_last = math.inf
    m = {
        "nonfinite": nonfinite,
        "loss_rule": loss_rule(loss),
        "stall": v_last >= unigram - 0.1,
        "jump": largest_jump(loss)[0] if not nonfinite else math.inf,
        "jump_aw": largest_jump(loss, start=warmup)[0] if not nonfinite else math.inf,
        "spikes": len(g["spikes/loss/step"]) if "spikes/loss/step" in g else 0,
        "gspikes": len(g["spikes/grad_norm/step"]) if "spikes/grad_norm/step" in g else 0,
        "gmax": float(np.nanmax(g["train/grad_norm"][:])),
        "valid": v_last,
        "sec": (len(loss) * 512 / float(g.attrs["tokens_per_s"])) if "tokens_per_s" in g.attrs else math.nan,
    }
    m["failed"] = m["nonfinite"] or m["loss_rule"] or m["stall"]
    return m


def med(xs):
    xs = [x for x in xs if not math.isnan(x)]
    return float(np.median(xs)) if xs else math.nan


def fmt(x):
    return "inf" if x == math.inf else f"{x:.3g}"


def pairs_needed_wilcoxon(effect, sd, alpha, power=0.8):
    """stats/power.cpp's pairs_needed for test wilcoxon."""
    if not effect > 0:
        return 0
    z = stats.norm.isf(alpha) + stats.norm.isf(1 - power)
    n = max(2, math.ceil(z * z * sd * sd / (effect * effect * 3 / math.pi)))
    while 2.0 ** -n > alpha:
        n += 1
    return n


def pairs_needed_mcnemar(x, n_pilot, alpha, power=0.8):
    q = (x + 1) / (n_pilot + 2)
    k = math.ceil(-math.log2(alpha))  # all k discordant pairs the claimed way: p = 2^-k
    n = k
    while stats.binom.sf(k - 1, n, q) < power:
        n += 1
    return n, q, k


def power_analysis(path, unigram, m=3):
    f = h5py.File(path, "r")
    rows = {}
    for _, g in f["runs"].items():
        rows[(text(g.attrs["method"]), float(g.attrs["lr"]), int(g.attrs["seed"]))] = run_metrics(g, unigram)
    seeds = sorted({k[2] for k in rows})
    alpha = 0.05 / (2 * m)
    print(f"power analysis from {path}: {len(seeds)} pilot seeds, alpha {alpha:.5f} (0.05 / {2 * m})")
    for name, lo, hi in (("vanilla_larger_loss_jump", ("scaled_embed", 1e-2), ("vanilla", 1e-2)),
                         ("vanilla_jumps_grow_with_lr", ("vanilla", 3e-3), ("vanilla", 1e-2))):
        d = [rows[hi + (s,)]["jump"] - rows[lo + (s,)]["jump"] for s in seeds]
        e, sd = float(np.mean(d)), float(np.std(d, ddof=1))
        print(f"  {name}: pilot differences {[round(float(x), 3) for x in d]}, mean {e:.3g}, sd {sd:.3g}"
              f" -> {pairs_needed_wilcoxon(e, sd, alpha)} pairs")
    x = sum(1 for s in seeds if rows[("vanilla", 3e-2, s)]["failed"] and not rows[("scaled_embed", 3e-2, s)]["failed"])
    n, q, k = pairs_needed_mcnemar(x, len(seeds), alpha)
    print(f"  vanilla_fails_at_largest_lr: {x} of {len(seeds)} pilot pairs discordant the claimed way, "
          f"q = {q:.3g}; the exact test needs {k} such pairs -> {n} pairs")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--unigram", type=float, default=3.19)
    ap.add_argument("--power", action="store_true")
    a = ap.parse_args()
    if a.power:
        for path in a.files:
            power_analysis(path, a.unigram)
        return
    print("| design | lr | method | n | nonfinite | loss rule | stall | failed | jump (med) | "
          "jump after warmup (med) | loss spikes | grad spikes | max grad norm (med) | "
          "valid (med) | s/run |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    paired_lines = []
    for path in a.files:
        f = h5py.File(path, "r")
        design = path.split("/")[-2]
        runs = defaultdict(dict)  # (lr, method) -> seed -> metrics
        for _, g in f["runs"].items():
            if "train/loss" not in g or text(g.attrs.get("status", "")) == "running":
                continue  # not run yet (a design still in progress)
            lr = float(g.attrs["lr"]) if "lr" in g.attrs else math.nan
            runs[(lr, text(g.attrs["method"]))][int(g.attrs["seed"])] = run_metrics(g, a.unigram)
        for (lr, method) in sorted(runs):
            v = list(runs[(lr, method)].values())
            n = len(v)
            cnt = lambda k: sum(1 for x in v if x[k])
            print(f"| {design} | {lr:.0e} | {method} | {n} | {cnt('nonfinite')} | {cnt('loss_rule')} | "
                  f"{cnt('stall')} | {cnt('failed')} | {fmt(med([x['jump'] for x in v]))} | "
                  f"{fmt(med([x['jump_aw'] for x in v]))} | {sum(x['spikes'] for x in v)} | "
                  f"{sum(x['gspikes'] for x in v)} | {fmt(med([x['gmax'] for x in v]))} | "
                  f"{fmt(med([x['valid'] for x in v]))} | {fmt(med([x['sec'] for x in v]))} |")
        for (lr, method) in sorted(runs):
            if method.startswith("vanilla") or (lr, "vanilla") not in runs:
                continue
            lo, hi = runs[(lr, method)], runs[(lr, "vanilla")]
            seeds = sorted(set(lo) & set(hi))
            disc_v = sum(1 for s in seeds if hi[s]["failed"] and not lo[s]["failed"])
            disc_m = sum(1 for s in seeds if lo[s]["failed"] and not hi[s]["failed"])
            p_fail = stats.binomtest(disc_v, disc_v + disc_m, 0.5, "greater").pvalue if disc_v + disc_m else 1.0
            d = [hi[s]["jump"] - lo[s]["jump"] if not (math.isinf(hi[s]["jump"]) and math.isinf(lo[s]["jump"])) else 0.0
                 for s in seeds]
            wins = sum(1 for x in d if x > 0)
            fin = [x for x in d if math.isfinite(x)]
            paired_lines.append(
                f"{design} lr {lr:.0e}: vanilla vs {method} (n={len(seeds)}): failed "
                f"{sum(hi[s]['failed'] for s in seeds)} vs {sum(lo[s]['failed'] for s in seeds)} "
                f"(discordant {disc_v}:{disc_m}, McNemar p={p_fail:.3g}); vanilla jumps higher in "
                f"{wins}/{len(d)} pairs, mean diff {np.mean(fin) if fin else math.nan:.3g}, sd "
                f"{np.std(fin, ddof=1) if len(fin) > 1 else math.nan:.3g}")
    print()
    for line in paired_lines:
        print(line)


if __name__ == "__main__":
    main()
