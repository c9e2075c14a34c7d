#!/usr/bin/env python3
"""Renders `spikebench compare`'s page from DIR/compare.json: DIR/lr_loss.png and .svg (final
validation loss against learning rate, one line per method: the mean over seeds with its 95%
bootstrap interval, each seed a dot, diverged runs marked at the top) and DIR/index.html (the
tables of compare.md as HTML, the figure, the init-time verdicts). Debian's python3-matplotlib.

Usage: scripts/compare_page.py DIR
"""
import html
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def g4(x):
    if x is None:
        return "–"
    if isinstance(x, float) and math.isinf(x):
        return "∞"
    return f"{x:.4g}"


def p3(p):
    return f"{p:.1e}" if p < 0.001 else f"{p:.3f}"


def figure(c, out_base):
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    worst = 0.0
    for m in c["methods"]:
        pts = [r for r in m["final_loss"] if r["n"] > 0]
        for r in pts:
            worst = max(worst, max(r["values"]))
    for i, m in enumerate(c["methods"]):
        color = f"C{i}"
        pts = sorted((r for r in m["final_loss"] if r["n"] > 0), key=lambda r: r["lr"])
        if pts and len(c["lrs"]) > 0:
            xs = [r["lr"] for r in pts]
            ax.plot(xs, [r["mean"] for r in pts], "-o", color=color, label=m["method"], lw=1.6)
            ax.fill_between(xs, [r["lo"] for r in pts], [r["hi"] for r in pts], color=color,
                            alpha=0.15, lw=0)
            for r in pts:
                ax.plot([r["lr"]] * len(r["values"]), r["values"], ".", color=color, alpha=0.35,
                        ms=4)
        for r in m["final_loss"]:
            if r["diverged"]:
                ax.plot([r["lr"]], [worst * 1.02], "x", color=color, ms=8)
    if c["lrs"]:
        ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("final validation loss")
    ax.set_title(f"{c['study']} ({c['scale']}): loss vs lr (x: diverged)", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(f"{out_base}.{ext}")
    plt.close(fig)


def table(header, rows):
    h = "".join(f"<th>{html.escape(str(x))}</th>" for x in header)
    b = "".join("<tr>" + "".join(f"<td>{html.escape(str(x))}</td>" for x in r) + "</tr>"
                for r in rows)
    return f"<table><tr>{h}</tr>{b}</table>"


def main():
    d = sys.argv[1]
    c = json.load(open(os.path.join(d, "compare.json")))
    figure(c, os.path.join(d, "lr_loss"))
    summary = []
    for m in c["methods"]:
        s = m["lr_sensitivity"]
        spread = (f"{g4(m['lr_sensitivity_mean'])} [{g4(min(s))}, {g4(max(s))}]" if s else "–")
        init = m["init"]
        iv = f"{init['verdict']} ({init['first_over_last']:.2f})" if init else "–"
        summary.append([m["method"], m["seeds"], spread, g4(m["loss_spike_score"]),
                        g4(m["grad_spike_score"]), f"{m['diverged']}/{m['runs']}", iv])
    losses = []
    for m in c["methods"]:
        by_lr = {r["lr"]: r for r in m["final_loss"]}
        row = [m["method"]]
        for lr in c["lrs"] or [0.0]:
            r = by_lr.get(lr)
            cell = f"{g4(r['mean'])} [{g4(r['lo'])}, {g4(r['hi'])}]" if r else "–"
            if r and r["diverged"]:
                cell += f" ({r['diverged']} diverged)"
            row.append(cell)
        losses.append(row)
    tests = [[t["method"], t["baseline"],
              "LR sensitivity" if t["metric"] == "lr_sensitivity" else f"final loss @ lr {g4(t['lr'])}",
              t["n"], g4(t["mean_diff"]), p3(t["p_two_sided"]), p3(t["p_adjusted"]),
              t["verdict"]] for t in c["tests"]]
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>compare: {html.escape(c['study'])}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin:0.5em 0 1.5em}}td,th{{border:1px solid #ccc;padding:3px 8px;font-size:13px}}
th{{background:#f3f3f3}}img{{max-width:640px}}</style></head><body>
<h1>{html.escape(c['study'])}: {", ".join(m['method'] for m in c['methods'])}</h1>
<p>Scale {html.escape(c['scale'])}, size {html.escape(c['size'])}, learning rates
{", ".join(g4(x) for x in c['lrs']) or "one"}; baselines {html.escape(", ".join(c['baselines']))}.
Results: <code>{html.escape(c['results'])}</code>. Paste-able Markdown: <a href="compare.md">compare.md</a>,
numbers: <a href="compare.json">compare.json</a>.</p>
<h2>Per method</h2>
{table(["method", "seeds", "LR sensitivity mean [min, max]", "loss spike score", "grad spike score",
        "diverged", "init verdict (layer-1/layer-N grad norm)"], summary)}
<h2>Final validation loss, mean [95% bootstrap CI] over seeds</h2>
{table(["method"] + [f"lr {g4(x)}" for x in (c['lrs'] or [0.0])], losses)}
<p><a href="lr_loss.svg"><img src="lr_loss.png" alt="final validation loss against learning rate"></a></p>
<h2>Paired tests against the baselines</h2>
<p>Two-sided Wilcoxon signed-rank tests over seeds of method − baseline (pairs share seed, lr, data
order and init; a diverged run ranks worst), Holm-adjusted within each family (one baseline, one
metric at one lr). lower = the method is lower (better) than the baseline at {c['alpha']}; higher = worse;
inconclusive = Holm p above it.</p>
{table(["method", "baseline", "metric", "n", "mean diff", "p", "Holm p", "verdict"], tests)}
</body></html>
"""
    with open(os.path.join(d, "index.html"), "w", encoding="utf-8") as f:
        f.write(page)


if __name__ == "__main__":
    main()
