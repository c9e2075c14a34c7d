#!/usr/bin/env python3
"""Stress-test pilot (issue 24): per learning rate, model and injection, the response to one
injected spike at update K (bench/pilot/stress/README.md), from the pilot's results file.

Per run (the same definitions as the suite's reductions, suite/checks/runs.h: after_event):
  base      median of the training loss over the 8 updates before K
  rise      max of the training loss over updates K+1.. minus base (nats; update K's own loss is
            the perturbed batch's, not the model's)
  recovery  updates from K until, after that peak, the loss is back within 10 % of the rise
            above base (inf: never)
  gratio    max pre-clip gradient norm over updates K..K+10 over the median of the 8 before K
  failed    non-finite (status diverged), or the loss above 2x its running minimum for 20
            consecutive updates (the suite's divergence rule, applied afterwards)
  valid     final validation loss
Paired lines: each injection against the same seed's uninjected control (rise), and Vanilla
against Scaled Embed under the same injection (rise, recovery, gratio): wins, mean and sd of the
differences, and the pairs a one-sided Wilcoxon at alpha/(2m) needs for 80 % power (the formula of
stats/power.cpp: normal theory with the test's ARE 3/pi, and at least the n whose smallest
exact p, 2^-n, reaches the level).

Usage: analyze.py FILE.h5 [...] [--at 50] [--claims M]     (h5py, numpy, matplotlib, yaml:
Debian's python3 — after_event comes from scripts/report.py; no scipy needed)
Method names are MODEL_INJECTION (INJECTION: none | ngram | corrupt | lr_spike[FACTOR]); runs of
several files with equal (lr, model, injection, seed) are one run.
"""
import argparse
import math
import os
import re
import sys
from collections import defaultdict
from statistics import NormalDist

import h5py
import numpy as np

_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(_here, ".."), os.path.join(_here, "..", "..", "..", "scripts")]
from curves import loss_rule  # noqa: E402  (bench/pilot/curves.py)
from report import after_event  # noqa: E402  (scripts/report.py: the suite's reductions)


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def run_metrics(g, k):
    loss = g["train/loss"][:]
    gn = g["train/grad_norm"][:]
    status = text(g.attrs.get("status", "ok"))
    base, rise, rec = after_event(loss, k)
    gbase = float(np.median(gn[max(0, k - 8):k]))
    valid = g["valid/loss"][:] if "valid/loss" in g else np.array([math.nan])
    return {
        "rise": rise if not status.startswith("diverged") else math.inf,
        "recovery": rec if not status.startswith("diverged") else math.inf,
        "gratio": float(np.max(gn[k:k + 11])) / gbase,
        "failed": status.startswith("diverged") or loss_rule(loss),
        "valid": float(valid[-1]) if len(valid) else math.nan,
    }


def pairs_needed(effect, sd, alpha, power=0.8):
    if not effect > 0 or not sd > 0:
        return math.nan if not effect > 0 else 2
    z = NormalDist().inv_cdf(1 - alpha) + NormalDist().inv_cdf(power)
    n = max(2, math.ceil(z * z * sd * sd / (effect * effect * 3 / math.pi)))
    while 2.0 ** -n > alpha:
        n += 1
    return n


def fmt(x):
    return "inf" if x == math.inf else f"{x:.3g}"


def paired(lo, hi, key):
    seeds = sorted(set(lo) & set(hi))
    d = []
    for s in seeds:
        a, b = hi[s][key], lo[s][key]
        d.append(0.0 if (math.isinf(a) and math.isinf(b)) else a - b)
    fin = [x for x in d if math.isfinite(x)]
    return d, sum(1 for x in d if x > 0), (float(np.mean(fin)) if fin else math.nan), (
        float(np.std(fin, ddof=1)) if len(fin) > 1 else math.nan)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--at", type=int, default=50, help="the injected update K")
    ap.add_argument("--claims", type=int, default=4, help="m of the Holm family the power uses")
    a = ap.parse_args()
    runs = defaultdict(dict)  # (lr, model, kind) -> seed -> metrics
    for path in a.files:
        for _, g in h5py.File(path, "r")["runs"].items():
            if "train/loss" not in g:
                continue
            m = re.match(r"^(.*)_(none|ngram|corrupt|lr_spike\d*)$", text(g.attrs["method"]))
            runs[(float(g.attrs["lr"]), m.group(1), m.group(2))][int(g.attrs["seed"])] = run_metrics(g, a.at)
    print("| lr | model | injection | n | failed | rise (med) | recovery (med) | grad ratio (med) | valid (med) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key in sorted(runs):
        v = list(runs[key].values())
        med = lambda k: float(np.median([x[k] for x in v]))
        print(f"| {key[0]:.0e} | {key[1]} | {key[2]} | {len(v)} | {sum(x['failed'] for x in v)} | "
              f"{fmt(med('rise'))} | {fmt(med('recovery'))} | {fmt(med('gratio'))} | {fmt(med('valid'))} |")
    alpha = 0.05 / (2 * a.claims)
    print(f"\nPaired (power at alpha {alpha:.4g} = 0.05 / {2 * a.claims}):")
    lrs = sorted({k[0] for k in runs})
    models = sorted({k[1] for k in runs})
    kinds = sorted({k[2] for k in runs} - {"none"})
    for lr in lrs:
        for model in models:
            for kind in kinds:
                if (lr, model, kind) not in runs:
                    continue
                d, w, m, sd = paired(runs[(lr, model, "none")], runs[(lr, model, kind)], "rise")
                print(f"  lr {lr:.0e} {model}: {kind} vs none, rise: injected higher in {w}/{len(d)}, "
                      f"mean {m:.3g}, sd {sd:.3g} -> {pairs_needed(m, sd, alpha)} pairs")
        for kind in kinds:
            if (lr, "vanilla", kind) not in runs or (lr, "scaled_embed", kind) not in runs:
                continue
            # The lasting cost: final validation loss minus the same seed's control's, per model,
            # then Vanilla's against Scaled Embed's (a difference in differences: `control`).
            cost = {m: {s: runs[(lr, m, kind)][s]["valid"] - runs[(lr, m, "none")][s]["valid"]
                        for s in runs[(lr, m, kind)] if s in runs[(lr, m, "none")]}
                    for m in ("vanilla", "scaled_embed")}
            d = [cost["vanilla"][s] - cost["scaled_embed"][s] for s in sorted(cost["vanilla"])]
            m, sd = float(np.mean(d)), float(np.std(d, ddof=1))
            print(f"  lr {lr:.0e} {kind}: cost (final valid minus control's): vanilla "
                  f"{[round(cost['vanilla'][s], 3) for s in sorted(cost['vanilla'])]}, scaled_embed "
                  f"{[round(cost['scaled_embed'][s], 3) for s in sorted(cost['scaled_embed'])]}; vanilla higher in "
                  f"{sum(x > 0 for x in d)}/{len(d)}, mean {m:.3g}, sd {sd:.3g} -> {pairs_needed(m, sd, alpha)} pairs")
            for model in ("vanilla", "scaled_embed"):
                lr_ = [math.log(runs[(lr, model, kind)][s]["valid"] / runs[(lr, model, "none")][s]["valid"])
                       for s in sorted(cost[model])]
                print(f"  lr {lr:.0e} {kind}: {model} log(valid / control's valid): mean {np.mean(lr_):.3g}, "
                      f"sd {np.std(lr_, ddof=1):.3g}, max |.| {max(abs(x) for x in lr_):.3g}")
            for key in ("rise", "recovery", "gratio"):
                d, w, m, sd = paired(runs[(lr, "scaled_embed", kind)], runs[(lr, "vanilla", kind)], key)
                print(f"  lr {lr:.0e} {kind}: vanilla vs scaled_embed, {key}: vanilla higher in {w}/{len(d)} "
                      f"(d {[round(x, 2) if math.isfinite(x) else x for x in d]}), mean {m:.3g}, sd {sd:.3g} "
                      f"-> {pairs_needed(m, sd, alpha)} pairs")


if __name__ == "__main__":
    main()
