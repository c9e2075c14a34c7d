#!/usr/bin/python3
"""Render the spikebench report from results files.

Reads every RESULTS.h5 in a folder (h5py), draws each figure declared in the artifact's YAML
(`figures:`) like the paper's panel (matplotlib; PNG and SVG; log scale where the paper uses
it), writes each artifact's checks and runs as tables (ours beside the paper's numbers where
baselines/paper.yaml has them), and links everything from report/index.html.

Usage: report.py RESULTS_DIR [--baselines DIR]
Debian packages: python3-h5py python3-matplotlib python3-yaml (scripts/setup.sh installs them).
"""
import argparse
import html
import math
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import yaml  # noqa: E402

COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def attr(obj, key, default=""):
    v = obj.attrs.get(key, default)
    return v.decode() if isinstance(v, bytes) else v


def machine(f):
    """The CPU the runs ran on (suite/machine.h), as golden checks compare it; "" for older files."""
    if "cpu" not in f.attrs:
        return ""
    pins = attr(f, "numerics_env")
    return f"{attr(f, 'cpu')} ({attr(f, 'cpu_vendor')}, ATen {attr(f, 'cpu_isa')}" + \
        (f", {pins}" if pins else "") + "), "


def runs_by(f, key):
    groups = {}
    for name, g in f["runs"].items():
        groups.setdefault(str(attr(g, key)), []).append((name, g))
    return groups


def final_metric(g, path):
    """Last value of a run's dataset (NaN when missing)."""
    return float(g[path][-1]) if path in g and g[path].shape[0] else float("nan")


def draw_lr_curve(f, spec, ax):
    """Final validation loss vs learning rate (log x), one line per method: the median over
    seeds, the seed range as a band; a diverged run counts as its loss at initialization
    (Wortsman et al. 2023's convention, as LR sensitivity)."""
    metric = spec.get("dataset", "valid/loss")
    by_method = {}
    for _, g in f["runs"].items():
        if "lr" not in g.attrs:
            continue
        init = float(g["train/loss"][0]) if "train/loss" in g and g["train/loss"].shape[0] else float("nan")
        value = init if attr(g, "status").startswith("diverged") else final_metric(g, metric)
        by_method.setdefault(attr(g, "method"), {}).setdefault(float(g.attrs["lr"]), []).append(value)
    for i, (method, by_lr) in enumerate(sorted(by_method.items())):
        lrs = sorted(by_lr)
        vals = [np.array(by_lr[lr], dtype=float) for lr in lrs]
        med = [np.nanmedian(v) for v in vals]
        color = COLORS[i % len(COLORS)]
        n = max(len(v) for v in vals)
        ax.plot(lrs, med, marker="o", ms=3, color=color, label=f"{method} (n={n} seeds)",
                linestyle="-" if i < len(COLORS) else "--")
        if n > 1:
            ax.fill_between(lrs, [np.nanmin(v) for v in vals], [np.nanmax(v) for v in vals],
                            color=color, alpha=0.2, lw=0)
    ax.set_xscale("log")
    return len(by_method)


def draw(f, spec, out_base):
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    kind = spec.get("kind", "curve")
    if kind == "lr_curve":
        drawn = draw_lr_curve(f, spec, ax)
        return finish(fig, ax, spec, out_base, drawn)
    groups = runs_by(f, spec.get("group_by", "method"))
    drawn = 0
    for i, (label, runs) in enumerate(sorted(groups.items())):
        color = COLORS[i % len(COLORS)]
        if kind == "layer_profile":
            rows = [g[spec["dataset"]][0] for _, g in runs if spec["dataset"] in g]
            if not rows:
                continue
            rows = np.array(rows)
            x = np.arange(1, rows.shape[1] + 1)
            ax.plot(x, rows.mean(0), color=color, marker="o", ms=3, label=f"{label} (n={len(rows)})")
            if len(rows) > 1:
                ax.fill_between(x, rows.min(0), rows.max(0), color=color, alpha=0.2, lw=0)
            drawn += 1
        else:
            for j, (name, g) in enumerate(runs):
                if spec["dataset"] not in g or spec["x"] not in g:
                    continue
                x, y = g[spec["x"]][:], g[spec["dataset"]][:]
                ok = np.isfinite(y)
                ax.plot(x[ok], y[ok], color=color, lw=1.2 if j == 0 else 0.6, alpha=1 if j == 0 else 0.5,
                        label=label if j == 0 else None)
                status = attr(g, "status")
                if status.startswith("diverged") and ok.any():
                    ax.plot(x[ok][-1], y[ok][-1], "x", color=color, ms=8)
                drawn += 1
    return finish(fig, ax, spec, out_base, drawn)


def finish(fig, ax, spec, out_base, drawn):
    if spec.get("logy"):
        ax.set_yscale("log")
    if spec.get("logx"):
        ax.set_xscale("log")
    ax.set_xlabel(spec.get("xlabel", ""))
    ax.set_ylabel(spec.get("ylabel", ""))
    ax.set_title(spec.get("title", ""), fontsize=9)
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_base + ".png", dpi=130)
    fig.savefig(out_base + ".svg")
    plt.close(fig)
    return drawn


VERDICTS = ("pass", "fail", "inconclusive", "skip")


def table(rows, header):
    out = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    for r in rows:
        out.append("<tr>" + "".join(f"<td class='{html.escape(str(c)) if c in VERDICTS else ''}'>"
                                    f"{html.escape(str(c))}</td>" for c in r) + "</tr>")
    return "\n".join(out + ["</table>"])


def evidence(c):
    """The statistics a paired claim rests on: test, n, p (Holm-adjusted), effect with its CI."""
    if "test" not in c.attrs:
        return "", ""
    if "margin" in c.attrs:  # an equivalence: TOST against the declared margin
        m = (f"ratio in [1/{float(c.attrs['ratio_margin']):.4g}, {float(c.attrs['ratio_margin']):.4g}]"
             if attr(c, "margin_scale") == "ratio" else f"±{float(c.attrs['margin']):.4g}")
        test = (f"TOST {attr(c, 'test')}, n={int(c.attrs.get('n_pairs', 0))}, margin {m}: "
                f"p=max({fmt_p(float(c.attrs['p_tost_lower']))}, {fmt_p(float(c.attrs['p_tost_upper']))})"
                f" (Holm {fmt_p(float(c.attrs['p_adjusted']))}); outside the margin: Holm "
                f"{fmt_p(float(c.attrs['p_opposite_adjusted']))}")
        effect = (f"{int(c.attrs['inside_margin'])}/{int(c.attrs['n_pairs'])} inside; HL "
                  f"{float(c.attrs['hl']):+.4g} [{float(c.attrs['hl_lo']):.4g}, "
                  f"{float(c.attrs['hl_hi']):.4g}]; smallest provable margin "
                  f"{float(c.attrs.get('mde', float('nan'))):.4g}")
        return test, effect
    p, padj = float(c.attrs.get("p_value", float("nan"))), float(c.attrs.get("p_adjusted", float("nan")))
    fam = int(c.attrs.get("family_size", 0))
    test = f"{attr(c, 'test')}, n={int(c.attrs.get('n_pairs', 0))}, p={fmt_p(p)}"
    if fam > 1:
        test += f" (Holm {fmt_p(padj)}, {fam} claims)"
    minp = float(c.attrs.get("min_attainable_p_adjusted", float("nan")))
    if not math.isnan(minp) and minp > float(c.attrs.get("alpha", 0.05)):
        test += f"; underpowered (smallest attainable p {fmt_p(minp)})"
    eff = float(c.attrs.get("effect", float("nan")))
    lo, hi = float(c.attrs.get("effect_lo", float("nan"))), float(c.attrs.get("effect_hi", float("nan")))
    effect = "" if math.isnan(eff) else f"{eff:+.4g} [{lo:.4g}, {hi:.4g}]"
    hl = float(c.attrs.get("hl", float("nan")))
    if not math.isnan(hl):
        effect += (f"; HL {hl:+.4g} [{float(c.attrs['hl_lo']):.4g}, {float(c.attrs['hl_hi']):.4g}]"
                   f"; MDE {float(c.attrs.get('mde', float('nan'))):.4g}")
    return test, effect


def fmt_p(p):
    return "NaN" if math.isnan(p) else (f"{p:.2g}" if p < 0.001 else f"{p:.3f}")


def fmt(x):
    if isinstance(x, (float, np.floating)):
        return "NaN" if math.isnan(x) else f"{x:.6g}"
    return str(x)


def run_summary(g):
    cells = []
    for path in ("train/loss", "valid/loss", "train/grad_norm"):
        if path in g and g[path].shape[0]:
            d = g[path][:]
            cells.append(f"{path} last {fmt(d[-1])}" + (f" max {fmt(np.nanmax(d))}" if "grad" in path else ""))
    for sp in ("spikes/loss/step", "spikes/grad_norm/step"):
        if sp in g:
            cells.append(f"{sp.split('/')[1]} spikes {g[sp].shape[0]}")
    if "layers/grad_norm" in g and "train" not in g:
        row = g["layers/grad_norm"][0]
        cells.append(f"grad norm layer1/layerN {fmt(row[0] / row[-1])}")
    for key in ("params", "params_counted", "tokens_per_s", "seconds"):
        if key in g.attrs:
            cells.append(f"{key} {fmt(g.attrs[key])}")
    return "; ".join(cells)


def artifact_page(path, out_dir, paper):
    f = h5py.File(path, "r")
    config = yaml.safe_load(attr(f["config"], "yaml"))
    study = config.get("study", {})
    name, scale = attr(f, "artifact"), attr(f, "scale")
    page_dir = os.path.join(out_dir, f"{name}-{scale}")
    os.makedirs(page_dir, exist_ok=True)
    parts = [f"<h1>{html.escape(attr(f, 'id'))} {html.escape(name)} — scale {html.escape(scale)}</h1>",
             f"<p>{html.escape(attr(f, 'title'))}<br><small>git {html.escape(attr(f, 'git_sha'))}, "
             f"LibTorch {html.escape(attr(f, 'libtorch'))}, {html.escape(attr(f, 'device'))}, "
             f"{html.escape(machine(f))}"
             f"{html.escape(attr(f, 'start_time'))} → {html.escape(attr(f, 'end_time'))}</small></p>"]
    note = (study.get("scales", {}).get(scale) or {}).get("note")
    if note:
        parts.append(f"<p><b>Scale design.</b> {html.escape(note)}</p>")
    figures, claim_checks = [], []
    for spec in study.get("figures", []) or []:
        base = os.path.join(page_dir, spec["name"])
        draw(f, spec, base)
        figures.append((f"{name}-{scale}/{spec['name']}.png", spec["name"], spec.get("title", "")))
        parts.append(f"<figure><img src='{spec['name']}.png' width='520'>"
                     f"<figcaption>{html.escape(spec.get('title', ''))} "
                     f"(<a href='{spec['name']}.svg'>SVG</a>)</figcaption></figure>")
    verdicts = {v: 0 for v in VERDICTS}
    if "checks" in f:
        rows = []
        for cname, c in f["checks"].items():
            v = attr(c, "verdict")
            verdicts[v] = verdicts.get(v, 0) + 1
            test, effect = evidence(c)
            if attr(c, "kind") not in ("golden", "golden_verdicts"):
                claim_checks.append((cname, v, test or f"{attr(c, 'statistic')} {attr(c, 'actual')}",
                                     attr(c, "extends")))
            rows.append([cname, attr(c, "kind"), attr(c, "statistic"), test, effect or attr(c, "actual"),
                         v, attr(c, "reason")])
        parts.append("<h2>Checks</h2><p>Paired claims: one-sided test over runs that share seed, lr, size "
                     "and data order; effect = mean paired difference (higher − lower side) with its "
                     "95 % bootstrap CI; verdicts use Holm-adjusted p over the artifact's claims "
                     "(pass: the claim holds at alpha; fail: its reverse does; inconclusive: the data "
                     "cannot decide).</p>" +
                     table(rows, ["check", "kind", "statistic", "test (n, p)", "effect / actual", "verdict",
                                  "reason"]))
    if "summary" in f and "lr_sensitivity" in f["summary"]:
        rows = []
        for m, g in f["summary"]["lr_sensitivity"].items():
            vals = g["value"][:]
            rows.append([m, fmt(float(g.attrs["mean"])), f"{np.min(vals):.4g} … {np.max(vals):.4g}",
                         len(vals), attr(g, "lrs")])
        parts.append("<h2>LR sensitivity</h2><p>Wortsman et al. (2023) §2.2: mean over lr of "
                     "min(loss(lr), loss at init) − the best loss over lr; a diverged run counts as the "
                     "loss at init. Lower is better.</p>" +
                     table(rows, ["method", "mean", "range over seeds", "seeds", "lrs"]))
    rows = [[n, attr(g, "method"), attr(g, "size"), fmt(g.attrs.get("lr", "")), attr(g, "seed"),
             attr(g, "status"), run_summary(g)] for n, g in f["runs"].items()]
    parts.append("<h2>Runs</h2>" + table(rows, ["run", "method", "size", "lr", "seed", "status", "summary"]))
    for spec in study.get("tables", []) or []:
        if spec.get("kind") == "configs":
            keys = ["params", "params_counted", "n_layers", "d", "d_ffn", "n_heads", "max_len", "vocab"]
            prow = []
            for n, g in f["runs"].items():
                size = attr(g, "size")
                ref = (paper.get("table3", {}).get(size.replace(".", "_")) or {}).get("params", "")
                prow.append([size] + [fmt(g.attrs[k]) if k in g.attrs else "" for k in keys] + [fmt(ref)])
            parts.append("<h2>Table 3 (ours beside the paper's nominal size)</h2>" +
                         table(prow, ["size"] + keys + ["paper (nominal)"]))
        elif spec.get("kind") == "ppl_vs_paper":
            parts.append(ppl_table(f, spec, paper))
        elif spec.get("kind") == "leaderboard":
            parts.append(leaderboard_table(f, spec))
        elif spec.get("kind") == "bleu_vs_paper":
            parts.append(bleu_table(f, spec, paper))
        elif spec.get("kind") == "stress":
            parts.append(stress_table(f, spec))
    with open(os.path.join(page_dir, "index.html"), "w") as out:
        out.write(PAGE.format(title=f"{name} {scale}", body="\n".join(parts)))
    return (name, scale, attr(f, "id"), attr(f, "title"), verdicts, f"{name}-{scale}/index.html",
            {"figures": figures, "checks": claim_checks})


SCALES = ("cpu", "gpu", "paper")
MARK = {"pass": "✓", "fail": "✗", "inconclusive": "?", "skip": "–"}


def claims_matrix(paper, pages):
    """One row per paper claim, one column per scale: the verdicts of the claim checks of the
    artifacts that carry the claim (paper.yaml claim_artifacts), each with its n and p, linking
    to the artifact's page."""
    rows = ["<table><tr><th>claim</th><th>the paper says</th>" +
            "".join(f"<th>{s}</th>" for s in SCALES) + "</tr>"]
    mapping = paper.get("claim_artifacts") or {}
    # "artifact:check" assigns one check to a claim; a bare artifact contributes its other checks.
    assigned = {tuple(e.split(":", 1)) for es in mapping.values() for e in es if ":" in e}
    quoted = paper.get("claims_quoted") or {}
    for cid, reading in (paper.get("claims") or {}).items():
        q = quoted.get(cid) or {}
        words = (f"“{' […] '.join(q.get('paper', []))}” ({q.get('where', '')}). Read here as: {reading}"
                 if q else reading)
        entries = mapping.get(cid, [])
        arts = sorted({e.split(":", 1)[0] for e in entries})

        def wanted(a, cname):
            return f"{a}:{cname}" in entries or (a in entries and (a, cname) not in assigned)

        cells = []
        for s in SCALES:
            found = [(a, pages[(a, s)]) for a in arts if (a, s) in pages]
            if not arts:
                cells.append("<td class='skip'>no check at these scales</td>")
                continue
            if not found:
                cells.append("<td class='skip'>not run</td>")
                continue
            verdicts, lines = [], []
            for a, pg in found:
                for cname, v, ev, extends in pg["checks"]:
                    if not wanted(a, cname):
                        continue
                    ev = ev if len(ev) <= 90 else ev[:89] + "…"
                    if extends:  # tests more than the paper states: shown, not part of the verdict
                        lines.append(f"<a href='{pg['link']}'>{MARK.get(v, v)} {html.escape(a)}: "
                                     f"{html.escape(cname)}</a> <small>(beyond the paper, not "
                                     f"counted: {html.escape(extends)})</small>")
                        continue
                    verdicts.append(v)
                    lines.append(f"<a href='{pg['link']}'>{MARK.get(v, v)} {html.escape(a)}: "
                                 f"{html.escape(cname)}</a> <small>{html.escape(ev)}</small>")
            if not verdicts:
                cells.append("<td class='skip'>no check at this scale</td>")
                continue
            overall = ("fail" if "fail" in verdicts else
                       "pass" if all(v == "pass" for v in verdicts) else "inconclusive")
            counts = ", ".join(f"{verdicts.count(v)} {v}" for v in ("pass", "fail", "inconclusive", "skip")
                               if verdicts.count(v))
            cells.append(f"<td class='{overall}'><b>{overall}</b> ({counts})<br>" + "<br>".join(lines) + "</td>")
        rows.append(f"<tr><td>{cid}</td><td>{html.escape(words)}</td>{''.join(cells)}</tr>")
    return "\n".join(rows + ["</table>"])


def operational(c):
    """What a check tests, in one line built from its YAML keys (the suite's reading)."""
    flow = lambda m: "{" + ", ".join(f"{k}: {v}" for k, v in (m or {}).items()) + "}"
    kind = c.get("kind", "")
    if kind in ("compare", "ordering"):
        return (f"{flow(c.get('lower'))} < {flow(c.get('higher'))} on {c.get('metric')}"
                + (f" > {c['above']} (0/1)" if "above" in c else "")
                + f"; {c.get('test', 'sign')}, one-sided, paired seeds")
    if kind == "equivalent":
        margin = (f"ratio within 1/{c['ratio_margin']}..{c['ratio_margin']}" if "ratio_margin" in c
                  else f"±{c.get('margin')}")
        return (f"{flow(c.get('a'))} ≈ {flow(c.get('b'))} on {c.get('metric')}, {margin}; TOST "
                f"({c.get('test', 'wilcoxon')}), paired seeds")
    if kind == "status":
        return f"{flow(c.get('select'))} {c.get('expect')}"
    if kind == "range":
        lim = [f"min {c['min']}" if "min" in c else "", f"max {c['max']}" if "max" in c else ""]
        return f"{flow(c.get('select'))} {c.get('metric')} within [{', '.join(x for x in lim if x)}]"
    if kind == "paper_value":
        return f"{flow(c.get('select'))} {c.get('metric')} = paper {c.get('paper')} ± rtol {c.get('rtol')}"
    return ", ".join(f"{k}: {v}" for k, v in c.items() if k not in ("name", "kind", "why", "quote"))


def checks_page(artifacts_dir):
    """Every check of every artifact YAML, at every scale, beside the paper's words it tests
    (`quote`, verbatim) and the suite's operational reading: generated from the YAMLs, so a check
    that claims what the paper does not say stands next to what the paper does say."""
    rows = []
    for fname in sorted(os.listdir(artifacts_dir)):
        if not fname.endswith(".yaml"):
            continue
        study = yaml.safe_load(open(os.path.join(artifacts_dir, fname)))
        for scale, checks in (study.get("expectations") or {}).items():
            for c in checks or []:
                quote = c.get("quote", "")
                quote = " […] ".join(quote) if isinstance(quote, list) else quote
                if c.get("kind") == "golden":
                    quote = "(not a claim of the paper: a regression value of this suite)"
                elif study.get("beyond_paper"):
                    quote = quote or "(beyond the paper: a comparison of other stabilizers)"
                ext = c.get("extends", "")
                rows.append([f"{study.get('id', '')} {study['name']}", scale, c.get("name", ""),
                             c.get("kind", ""), operational(c), quote or "— (no quote)",
                             f"BEYOND THE PAPER: {ext}" if ext else "", c.get("why", "")])
    return ("<h1>Every check and the paper's words</h1><p>Generated from suite/artifacts/*.yaml: "
            "each check at each scale, what it tests (the suite's reading), and the sentence of the "
            "paper it tests, verbatim (tests/suite/test_quotes.cpp finds every quoted passage in the "
            "paper). A check marked \"goes beyond it\" (YAML key `extends`) tests more than the quoted "
            "words state — a comparison, metric or scale the paper does not — and says how. Golden "
            "values are regression gates of this suite, not claims of the paper.</p>"
            + table(rows, ["artifact", "scale", "check", "kind", "tests", "the paper says",
                           "goes beyond it", "why"]))


def gallery(paper, pages):
    """Every figure as a thumbnail beside the paper's caption (or the figure's title)."""
    captions = paper.get("figure_captions") or {}
    out = []
    for (a, s), pg in sorted(pages.items()):
        for png, fname, title in pg["figures"]:
            cap = captions.get(fname, "")
            out.append(f"<div class='thumb'><a href='{pg['link']}'><img src='{png}' width='260'></a>"
                       f"<div><b>{html.escape(a)} ({s}): {html.escape(title)}</b><br>"
                       f"<small>{html.escape(cap) or 'Ours; see the artifact page for the paper&#39;s panel.'}</small></div></div>")
    return "\n".join(out)


def mean_metric(runs, path):
    vals = [g[path][0] for _, g in runs if path in g and g[path].shape[0]]
    return float(np.mean(vals)) if vals else float("nan")


def leaderboard_table(f, spec):
    """One row per method, sorted by mean LR sensitivity: its category (the spec's `categories`),
    its per-seed range, the max gradient
    norm (mean over runs of each run's max), the final validation loss per lr (mean over seeds),
    divergences, and the paired claims against Vanilla and Scaled Embed (verdict, Holm p)."""
    sens = f["summary"]["lr_sensitivity"] if "summary" in f and "lr_sensitivity" in f["summary"] else {}
    categories = spec.get("categories") or {}  # method -> category (the artifact's table spec)
    runs = group_runs(f, ["method"])
    lrs = sorted({float(g.attrs["lr"]) for _, g in f["runs"].items() if "lr" in g.attrs})
    rows = []
    for key, named in runs.items():
        method, members = key[0], [g for _, g in named]
        s = sens.get(method)
        vals = s["value"][:] if s is not None else np.array([])
        crit = s["critical_lr"][:] if s is not None and "critical_lr" in s else np.array([])
        gmax = [float(np.nanmax(g["train/grad_norm"][:])) for g in members if "train/grad_norm" in g]
        div = sum(attr(g, "status").startswith("diverged") for g in members)
        loss = []
        for lr in lrs:
            v = [final_metric(g, "valid/loss") for g in members
                 if float(g.attrs.get("lr", -1)) == lr and not attr(g, "status").startswith("diverged")]
            loss.append(f"{np.mean(v):.4g}" if v else "—")
        claims = []
        for base in ("vanilla", "scaled_embed"):
            name = f"{method}_vs_{base}"
            if "checks" in f and name in f["checks"]:
                c = f["checks"][name]
                claims.append(f"{attr(c, 'verdict')} (Holm {fmt_p(float(c.attrs.get('p_adjusted', float('nan'))))})")
            else:
                claims.append("—")
        mean = float(np.mean(vals)) if len(vals) else float("nan")
        critical = (f"{np.median(crit):.3g} ({np.min(crit):.3g} … {np.max(crit):.3g})" if len(crit) else "—")
        rows.append((mean, [method, categories.get(method, "—"), fmt(mean), f"{np.min(vals):.3g} … {np.max(vals):.3g}" if len(vals) else "—",
                            f"{np.mean(gmax):.3g}" if gmax else "—"] + loss + [f"{div}/{len(members)}", critical] + claims))
    rows.sort(key=lambda r: (math.isnan(r[0]), r[0]))
    header = (["method", "category", "LR sensitivity", "range over seeds", "max grad norm"] +
              [f"final loss lr {lr:g}" for lr in lrs] + ["diverged", "critical lr (median, range over seeds)", "lower than Vanilla (fail: higher)", "lower than Scaled Embed (fail: higher)"])
    return (f"<h2>{html.escape(spec.get('title', 'Leaderboard'))}</h2>"
            "<p>Claims: one-sided Wilcoxon over paired seeds that the method's LR sensitivity is lower; "
            "Holm within each column's family. Critical lr: per seed, the largest lr of the grid at or below "
            "which no run diverged (the grid's largest when none did); diverged runs are counted, never dropped.</p>" + table([r[1] for r in rows], header))


def after_event(v, k):
    """The response of a per-update curve to an event at update k, as the suite's reductions
    define it (suite/checks/runs.h: after_event): (base, rise, recovery)."""
    before = [x for x in v[max(0, k - 8):k] if math.isfinite(x)]
    if not before or k + 1 >= len(v):
        return float("nan"), float("nan"), float("nan")
    base = float(np.median(before))
    tail = [math.inf if math.isinf(x) else x for x in v[k + 1:]]
    at = int(np.nanargmax(tail)) + k + 1
    rise = tail[at - k - 1] - base
    if not rise > 0:
        return base, rise, 0.0
    if not math.isfinite(rise):
        return base, rise, math.inf
    rec = next((float(t - k) for t in range(at + 1, len(v)) if v[t] <= base + 0.1 * rise), math.inf)
    return base, rise, rec


def stress_table(f, spec):
    """One row per method and injection (run names MODEL_INJECTION, the injections in the spec):
    medians over seeds of the gradient response (max pre-clip norm of updates K..K+10 over the
    median of the 8 before), the loss jump after K, the recovery, the final validation loss and
    its difference from the same seed's uninjected control; diverged runs counted."""
    k = int(spec.get("at", 50))
    injections = spec.get("injections") or ["none"]
    runs = {}
    for _, g in f["runs"].items():
        method = attr(g, "method")
        kind = next((i for i in injections if method.endswith("_" + i)), None)
        if kind is None or "train/loss" not in g:
            continue
        runs.setdefault((method[:-len(kind) - 1], kind), {})[int(g.attrs["seed"])] = g
    med = lambda xs: (f"{np.median(xs):.3g}" if xs else "—")
    rows = []
    for (model, kind) in sorted(runs, key=lambda mk: (mk[0], injections.index(mk[1]))):
        members = runs[(model, kind)]
        control = runs.get((model, "none"), {})
        ratio, rise, rec, valid, cost, div = [], [], [], [], [], 0
        for seed, g in members.items():
            if attr(g, "status").startswith("diverged"):
                div += 1
                continue
            loss, gn = g["train/loss"][:], g["train/grad_norm"][:]
            _, r, t = after_event(loss, k)
            rise.append(r), rec.append(t)
            ratio.append(float(np.max(gn[k:k + 11])) / float(np.median(gn[max(0, k - 8):k])))
            v = final_metric(g, "valid/loss")
            valid.append(v)
            if kind != "none" and seed in control:
                cost.append(v - final_metric(control[seed], "valid/loss"))
        rows.append([model, kind, len(members), f"{div}/{len(members)}", med(ratio), med(rise),
                     "inf" if rec and np.median(rec) == math.inf else med(rec), med(valid),
                     med(cost) if kind != "none" else "—"])
    return (f"<h2>{html.escape(spec.get('title', 'Stress tests'))}</h2>"
            f"<p>One injection per run at update {k}; the control (none) has none. Gradient response: the "
            f"largest pre-clip gradient norm of updates {k}..{k + 10} over the median of the 8 before; jump: "
            f"the largest training loss after update {k} minus that median (nats); recovery: updates until "
            f"the loss is back within 10 % of the jump; cost: final validation loss minus the same seed's "
            f"control's. Medians over the seeds that did not diverge.</p>" +
            table(rows, ["method", "injection", "seeds", "diverged", "gradient response (×)", "loss jump",
                         "recovery (updates)", "final valid loss", "cost vs control"]))


def ppl_table(f, spec, paper):
    """Our zero-shot perplexities per method (and lr) beside the paper's table. The paper's
    LAMBADA column is compared with our per-word perplexity (GPT-2 paper / lm-eval-harness
    lambada_openai convention); the per-token value is shown beside it."""
    ref = paper.get(spec["paper"], {})
    rows = []
    for (method, lr), runs in sorted(group_runs(f, ("method", "lr")).items()):
        statuses = ",".join(sorted({attr(g, "status") for _, g in runs}))
        diverged = statuses.startswith("diverged")
        ours = [mean_metric(runs, p) for p in ("eval/wikitext_adjusted_ppl", "eval/lambada_ppl_word",
                                               "eval/lambada_ppl_token", "eval/lambada_acc")]
        paper_cells = []
        for size, table_ in ref.items():
            m = table_.get(method, {}) if isinstance(table_, dict) else {}
            for metric in ("wikitext", "lambada"):
                v = m.get(metric, "")
                paper_cells.append(f"{size} {metric}: " + (", ".join(f"{k} {x}" for k, x in v.items()) if isinstance(v, dict) else str(v)))
        rows.append([method, fmt(lr), statuses, len(runs)] +
                    ["N/A" if diverged else fmt(x) for x in ours[:3]] + [fmt(ours[3]), "; ".join(paper_cells)])
    return (f"<h2>{html.escape(spec.get('title', 'Perplexities'))}</h2><p>{html.escape(spec.get('note', ''))} "
            "Values are means over the seeds shown. LAMBADA: the paper's column is read as per-word "
            "perplexity (exp of the mean target-word NLL per example) and compared with ours per word; "
            "per target token is shown beside it.</p>" +
            table(rows, ["method", "lr", "status", "seeds", "WikiText adjusted ppl (ours)",
                         "LAMBADA ppl per word (ours; paper's convention)", "LAMBADA ppl per token (ours)",
                         "LAMBADA acc (ours)", "paper"]))


YEARS = ["2010", "2011", "2012", "2013", "2014", "2015", "2016"]


def bleu_table(f, spec, paper):
    """Table 5: our BLEU per newstest year and average per method and lr, the paper's row below."""
    ref = paper.get(spec["paper"], {})
    rows = []
    for (method, lr), runs in sorted(group_runs(f, ("method", "lr")).items(), key=lambda kv: (kv[0][1], kv[0][0])):
        statuses = ",".join(sorted({attr(g, "status") for _, g in runs}))
        diverged = any(attr(g, "status").startswith("diverged") for _, g in runs)
        ours = ["N/A" if diverged else fmt_bleu(mean_metric(runs, f"eval/bleu/{y}")) for y in YEARS]
        avg = "N/A" if diverged else fmt_bleu(mean_metric(runs, "eval/bleu_average"))
        rows.append([method, fmt(lr), "ours", statuses] + ours + [avg])
        # The paper names Pre-LN + Scaled Embed "scaled_embed" and has no plain Post-LN row.
        key = "scaled_embed" if method == "preln_scaled_embed" else method
        p = (ref.get(f"lr{lr:.0e}".replace("e-0", "e-")) or {}).get(key)
        if p:
            rows.append([method, fmt(lr), "paper", ""] + [str(p.get(y, "N/A" if p.get("average") == "N/A" else ""))
                                                          for y in YEARS] + [str(p.get("average", ""))])
    sig = "; ".join(sorted({attr(g, "bleu_signature") for g in f["runs"].values() if "bleu_signature" in g.attrs}))
    note = spec.get("note", "") + (f" Our signature: {sig}." if sig else "") + \
        (f" Paper: {ref.get('signature')}." if ref.get("signature") else "")
    return (f"<h2>{html.escape(spec.get('title', 'BLEU'))}</h2><p>{html.escape(note)}</p>" +
            table(rows, ["method", "lr", "source", "status"] + YEARS + ["average"]))


def fmt_bleu(x):
    return "NaN" if math.isnan(x) else f"{x:.2f}"


def group_runs(f, keys):
    groups = {}
    for name, g in f["runs"].items():
        k = tuple(g.attrs[key].item() if hasattr(g.attrs.get(key, ""), "item") else attr(g, key) for key in keys)
        groups.setdefault(k, []).append((name, g))
    return groups


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>spikebench — {title}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;font-size:12px;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 6px}}
.pass{{background:#d9f2d9}}.fail{{background:#f7d4d4}}.inconclusive{{background:#fbe5b6}}.skip{{background:#eee}}figure{{display:inline-block}}
.thumb{{display:inline-flex;gap:8px;width:520px;vertical-align:top;margin:6px}}td small{{color:#555}}</style>
</head><body>{body}</body></html>"""


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results")
    p.add_argument("--baselines", default=os.path.join(os.path.dirname(__file__), "..", "baselines"))
    p.add_argument("--artifacts", default=os.path.join(os.path.dirname(__file__), "..", "suite", "artifacts"),
                   help="the artifact YAMLs, for the page of every check beside the paper's words")
    a = p.parse_args()
    files = sorted(os.path.join(a.results, n) for n in os.listdir(a.results) if n.endswith(".h5"))
    if not files:
        sys.exit(f"report.py: no .h5 results files in {a.results}")
    paper_path = os.path.join(a.baselines, "paper.yaml")
    paper = yaml.safe_load(open(paper_path)) if os.path.exists(paper_path) else {}
    out_dir = os.path.join(a.results, "report")
    os.makedirs(out_dir, exist_ok=True)
    rows, pages = [], {}
    for path in files:
        try:
            name, scale, aid, title, v, link, extra = artifact_page(path, out_dir, paper)
            pages[(name, scale)] = dict(extra, link=link)
        except (OSError, KeyError) as e:
            print(f"report.py: skipping {path}: {e}", file=sys.stderr)
            continue
        rows.append((aid, f"<a href='{link}'>{html.escape(name)}</a>", scale, html.escape(title),
                     v.get("pass", 0), v.get("fail", 0), v.get("skip", 0), v.get("inconclusive", 0)))
    def key(r):
        digits = "".join(ch for ch in r[0] if ch.isdigit())
        return int(digits) if digits else 999
    body = ["<h1>spikebench report</h1><p>Reproduction of <i>Spike No More</i> (Takase et al.). "
            "Does the paper reproduce? One row per claim, one column per scale: the verdict of every "
            "claim check that carries it (✓ pass, ✗ fail, ? inconclusive: the data cannot decide), "
            "with its paired test, n and Holm-adjusted p, linking to the evidence.</p>",
            "<h2>Claims</h2>", claims_matrix(paper, pages),
            "<h2>Artifacts</h2>",
            "<table><tr><th>id</th><th>artifact</th><th>scale</th><th>title</th><th>pass</th><th>fail</th>"
            "<th>inconclusive</th><th>skip</th></tr>"]
    for r in sorted(rows, key=key):
        cls = "fail" if r[5] else "pass"
        body.append(f"<tr><td>{r[0]}</td><td>{r[1]}</td><td>{r[2]}</td><td>{r[3]}</td>"
                    f"<td class='pass'>{r[4]}</td><td class='{cls}'>{r[5]}</td>"
                    f"<td class='{'inconclusive' if r[7] else ''}'>{r[7]}</td><td>{r[6]}</td></tr>")
    body.append("</table>")
    body += ["<h2>Figures</h2>", gallery(paper, pages)]
    if os.path.isdir(a.artifacts):
        with open(os.path.join(out_dir, "checks.html"), "w") as out:
            out.write(PAGE.format(title="checks and the paper's words", body=checks_page(a.artifacts)))
        body.insert(2, "<p><a href='checks.html'>Every check beside the sentence of the paper it "
                       "tests</a> (all scales, generated from the artifact YAMLs).</p>")
    with open(os.path.join(out_dir, "index.html"), "w") as out:
        out.write(PAGE.format(title="report", body="\n".join(body)))
    print(f"report.py: {len(rows)} artifacts -> {os.path.join(out_dir, 'index.html')}")


if __name__ == "__main__":
    main()
