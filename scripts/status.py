#!/usr/bin/python3
"""Writes the status page (docs/status.md) from a folder of results files.

Every claim check of every artifact with its test, n, Holm-adjusted p, effect and verdict,
exactly as the files record them. Claims that rest on the same evidence (equal `evidence` ids:
the same test on the same paired differences, e.g. an artifact reusing another's runs) are one
claim with several citations: the tally counts each once. An inconclusive claim whose smallest attainable p after Holm is
above alpha is marked underpowered.

Usage: status.py RESULTS_DIR [--out FILE]
  Without --out: prints the page. With it: writes FILE whole — a generated file, headed as such,
  never edited by hand. scripts/reproduce.sh writes RESULTS_DIR/report/status.md; docs/status.md
  is `status.py results --out docs/status.md` after a full reproduce, committed with the results'
  git sha.
"""
import argparse
import math
import os
import re
import sys

import h5py


def attr(obj, key, default=""):
    v = obj.attrs.get(key, default)
    return v.decode() if isinstance(v, bytes) else v


def num(x, digits=3):
    x = float(x)
    if math.isnan(x):
        return "—"
    return f"{x:.2g}" if abs(x) < 10 ** -digits and x != 0 else f"{x:.{digits}g}"


def artifact_rows(path):
    f = h5py.File(path, "r")
    rows = []
    for name, c in f.get("checks", {}).items():
        kind = attr(c, "kind")
        if kind in ("golden", "golden_verdicts"):
            continue
        verdict = attr(c, "verdict")
        key = attr(c, "evidence") or None
        holm = num(c.attrs["p_adjusted"]) if "p_adjusted" in c.attrs else "—"
        if "margin" in c.attrs:  # an equivalence (the paper's "comparable"): TOST
            margin = (f"ratio within 1/{num(c.attrs['ratio_margin'])}..{num(c.attrs['ratio_margin'])}"
                      if attr(c, "margin_scale") == "ratio" else f"±{num(c.attrs['margin'])}")
            evidence = (f"TOST {attr(c, 'test')}, n={int(c.attrs['n_pairs'])}, margin {margin}: "
                        f"p=max({num(c.attrs['p_tost_lower'])}, {num(c.attrs['p_tost_upper'])}), "
                        f"Holm p={num(c.attrs['p_adjusted'])}; outside-margin Holm p="
                        f"{num(c.attrs['p_opposite_adjusted'])}; {int(c.attrs['inside_margin'])} of "
                        f"{int(c.attrs['n_pairs'])} pairs inside; HL {num(c.attrs['hl'])} "
                        f"[{num(c.attrs['hl_lo'])}, {num(c.attrs['hl_hi'])}]")
            if verdict == "inconclusive":
                min_p = float(c.attrs["min_attainable_p_adjusted"])
                if min_p > float(c.attrs["alpha"]):
                    verdict = "inconclusive (underpowered)"
                    evidence += f"; smallest attainable Holm p {num(min_p)}"
                else:
                    evidence += f"; smallest margin provable {num(c.attrs['mde'])}"
        elif "test" in c.attrs:
            evidence = (f"{attr(c, 'test')}, n={int(c.attrs['n_pairs'])}, "
                        f"p={num(c.attrs['p_value'])}, Holm p={num(c.attrs['p_adjusted'])}; "
                        f"effect {num(c.attrs['effect'])} [{num(c.attrs['effect_lo'])}, "
                        f"{num(c.attrs['effect_hi'])}]")
            if "hl" in c.attrs:
                evidence += (f"; HL {num(c.attrs['hl'])} [{num(c.attrs['hl_lo'])}, "
                             f"{num(c.attrs['hl_hi'])}]")
            if "mde" in c.attrs and verdict == "inconclusive":
                min_p = float(c.attrs["min_attainable_p_adjusted"])
                if min_p > float(c.attrs["alpha"]):
                    verdict = "inconclusive (underpowered)"
                    evidence += f"; smallest attainable Holm p {num(min_p)}"
                else:
                    evidence += f"; MDE {num(c.attrs['mde'])}"
        else:
            evidence = f"{kind}: {attr(c, 'actual')} vs {attr(c, 'expected')}"
        if attr(c, "extends"):  # the suite's extension of the paper's words
            verdict += " (beyond the paper)"
        rows.append((name, verdict, evidence, key, holm))
    return attr(f, "id"), attr(f, "artifact"), attr(f, "scale"), attr(f, "git_sha"), rows


def markdown(results, out_file=None):
    files = sorted(os.path.join(results, n) for n in os.listdir(results) if n.endswith(".h5"))
    if not files:
        sys.exit(f"status.py: no .h5 results files in {results}")
    out, counts, shas, cited = [], {}, set(), {}
    items = [artifact_rows(p) for p in files]
    items.sort(key=lambda r: int(re.sub(r"\D", "", r[0]) or 999))
    out.append("| artifact | claim | verdict | evidence |")
    out.append("|---|---|---|---|")
    for aid, name, scale, sha, rows in items:
        shas.add(sha)
        for claim, verdict, evidence, key, holm in rows:
            here = f"{aid} `{name}` `{claim}`"
            if key and key in cited:  # the same test on the same data: a citation, not a claim
                evidence = (f"same test on the same data as {cited[key]} (counted once, there); "
                            f"Holm p here {holm} (this artifact's family)")
            else:
                if key:
                    cited[key] = here
                base = verdict.split(" ")[0]
                counts[base] = counts.get(base, 0) + 1
            mark = {"pass": "**pass**", "fail": "**fail**"}.get(verdict, verdict)
            out.append(f"| {aid} `{name}` ({scale}) | `{claim}` | {mark} | {evidence} |")
    summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("pass", "fail", "inconclusive", "skip"))
    summary += " (claims resting on the same evidence counted once)"
    return document(results, sorted(shas), summary, out, out_file)


def document(results, shas, summary, table, out_file=None):
    """The whole page: a generated-file header naming the results folder, the tally and legend,
    then the table (one line per claim)."""
    folder = results.rstrip("/") or "/"
    again = f"scripts/status.py {folder}" + (f" --out {out_file}" if out_file else "")
    head = (f"<!-- Generated by scripts/status.py from the results folder '{folder}'. Do not edit by "
            f"hand: regenerate with `{again}`. -->\n"
            f"# Status: the paper's claims, check by check\n\n"
            f"Generated by `scripts/status.py` from the results folder `{folder}` (git "
            f"{', '.join(shas)}); do not edit by hand — regenerate with `{again}`.\n\n"
            f"{summary}. Paired claims: one-sided test over seeds, Holm over each artifact's claims "
            f"and their reverses at alpha 0.05 (any wrong pass or fail within an artifact: at most "
            f"0.05); effect = mean paired difference (higher − lower side) with its 95 % "
            f"bootstrap CI; HL = Hodges–Lehmann shift with its exact 95 % interval; MDE = the "
            f"mean difference the design detects with 80 % power at alpha / (2 × claims); "
            f"underpowered = no outcome of n pairs could reach alpha after Holm. Equivalence claims (the "
            f"paper's \"comparable\", check kind `equivalent`): two one-sided tests against the margin "
            f"the YAML declares, p = the larger of the two; HL of a − b (of log a − log b for a ratio "
            f"margin); \"smallest margin provable\" = the margin the TOST would establish with 80 % "
            f"power if the true difference were 0.\n")
    return head + "\n" + "\n".join(table) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("--out", metavar="FILE", help="write the page to FILE (e.g. docs/status.md)")
    a = ap.parse_args()
    md = markdown(a.results, a.out)
    if not a.out:
        sys.stdout.write(md)
        return
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(md)
    os.replace(tmp, a.out)
    print(f"status.py: {a.out} written")


if __name__ == "__main__":
    main()
