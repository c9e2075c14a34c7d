#!/usr/bin/env python3
"""Paired statistics of pilot results files, as bench/pilot/README.md reports them.

For every lr (when the runs have one) and every method, the candidate metrics per run; then for
each pair of methods named by --pair LOWER:HIGHER (default: every method against vanilla, as
`method:vanilla`), the paired differences HIGHER - LOWER over seeds and their one-sided p-values
(scipy: binomtest sign test, wilcoxon), "does LOWER have the lower value?".

Usage: analyze.py RESULTS.h5 [...] [--pair A:B]...    (python3 with h5py, numpy, scipy)
"""
import argparse
import math
from collections import defaultdict

import h5py
import numpy as np
from scipy import stats

WARMUP = 8  # 5% of 150 updates (llround(7.5)); the early phase is the first 10%: 15 updates


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def metrics(g):
    gn = g["train/grad_norm"][:]
    n = len(gn)
    valid = g["valid/loss"][:] if "valid/loss" in g else np.array([np.nan])
    return {
        "gn0": gn[0],
        "early_max": gn[: max(1, n // 10)].max(),
        "after_warmup_max": gn[WARMUP:].max() if n > WARMUP else np.nan,
        "valid_last": valid[-1],
        "diverged": text(g.attrs["status"]).startswith("diverged"),
    }


def p_values(d):
    d = np.asarray([x for x in d if np.isfinite(x)])
    nz = d[d != 0]
    if len(nz) == 0:
        return 1.0, 1.0
    sign = stats.binomtest(int((nz > 0).sum()), len(nz), 0.5, alternative="greater").pvalue
    return sign, stats.wilcoxon(d, alternative="greater").pvalue


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--pair", action="append", default=[], help="LOWER:HIGHER methods")
    a = ap.parse_args()
    for path in a.files:
        f = h5py.File(path, "r")
        runs = defaultdict(dict)  # (lr, method) -> seed -> metrics
        for _, g in f["runs"].items():
            lr = float(g.attrs["lr"]) if "lr" in g.attrs else None
            runs[(lr, text(g.attrs["method"]))][int(g.attrs["seed"])] = metrics(g)
        print(f"== {path}: {text(f.attrs.get('command_line', ''))}")
        lrs = sorted({k[0] for k in runs}, key=lambda x: -1 if x is None else x)
        for lr in lrs:
            label = "" if lr is None else f"lr {lr:.0e} "
            methods = sorted(m for (l, m) in runs if l == lr)
            for m in methods:
                v = list(runs[(lr, m)].values())
                med = lambda k: np.nanmedian([x[k] for x in v])
                print(f"  {label}{m:24s} n={len(v)} median: gn0 {med('gn0'):.3g}, early max "
                      f"{med('early_max'):.3g}, after-warmup max {med('after_warmup_max'):.3g}, "
                      f"valid {med('valid_last'):.4f}; diverged {sum(x['diverged'] for x in v)}")
            pairs = [p.split(":") for p in a.pair] or [[m, "vanilla"] for m in methods if m != "vanilla"]
            for lower, higher in pairs:
                if (lr, lower) not in runs or (lr, higher) not in runs:
                    continue
                lo, hi = runs[(lr, lower)], runs[(lr, higher)]
                seeds = sorted(set(lo) & set(hi))
                cells = []
                for k in ("early_max", "after_warmup_max", "valid_last"):
                    d = [hi[s][k] - lo[s][k] for s in seeds]
                    ps, pw = p_values(d)
                    cells.append(f"{k} {sum(x > 0 for x in d)}/{len(d)} ps={ps:.3g} pw={pw:.3g}")
                print(f"  {label}{lower} < {higher} (n={len(seeds)}): " + "; ".join(cells))


if __name__ == "__main__":
    main()
