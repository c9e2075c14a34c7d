"""Prints the scipy reference p-values that tests/stats/test_stats.cpp holds as literals.

Regenerate (scipy 1.17.1, numpy 2.x; any venv):
    python3 -m venv /tmp/sci && /tmp/sci/bin/pip install scipy==1.17.1
    /tmp/sci/bin/python tests/stats/scipy_reference.py
"""
import math

import numpy as np
import scipy
from scipy import stats

SIGN = [  # (name, differences, alternative)
    ("12 of 12 positive", [1.0] * 12, "greater"),
    ("11 of 12 positive", [0.5] * 11 + [-0.2], "greater"),
    ("zeros dropped", [1, 2, 0, 3, -1, 0, 4, 5], "greater"),
    ("less", [-1, -2, -3, 0.5, -4, -5, -6, -0.1, 2], "less"),
    ("30 pairs, 20 positive", [1.0] * 20 + [-1.0] * 10, "greater"),
    ("all negative, greater", [-1.0] * 8, "greater"),
]

WILCOXON = [  # (name, differences, alternative)
    ("exact, no ties", [0.5, 1.2, -0.3, 2.2, 0.9, 1.7, -0.8, 3.1, 0.1, 1.4], "greater"),
    ("exact, less", [-0.5, -1.2, 0.3, -2.2, -0.9, -1.7, 0.8, -3.1, -0.1, -1.45], "less"),
    ("exact, n 25", [(i + 1) * (1 if i % 4 else -1) + 0.01 * i for i in range(25)], "greater"),
    ("ties, permutation", [1.0, 1.0, 2.0, -1.0, 3.0, 3.0, 0.5, 2.0], "greater"),
    ("zeros, permutation", [0.0, 1.5, -0.5, 2.5, 0.0, 3.5, 1.0, -2.0, 4.0], "greater"),
    ("ties, n 20, normal", [1.0, 2.0, 2.0, -1.0, 3.0, 3.0, 3.0, -2.0, 4.0, 5.0,
                            1.0, 6.0, -3.0, 7.0, 2.0, 8.0, 9.0, -1.0, 4.0, 10.0], "greater"),
    ("n 60, normal", [math.sin(i) + 0.3 for i in range(60)], "greater"),
    ("inf ranks worst", [math.inf, math.inf, 0.4, -0.2, 1.1, 0.7, -0.05, 2.0], "greater"),
]

def lit(v):
    return repr(float(v)) if math.isfinite(v) else ("INF" if v > 0 else "-INF")

print(f"// scipy {scipy.__version__}, numpy {np.__version__}")
for name, d, alt in SIGN:
    k = sum(1 for x in d if x > 0)
    n = sum(1 for x in d if x != 0)
    p = float(stats.binomtest(k, n, 0.5, alternative=alt).pvalue)
    print(f'{{"{name}", {{{", ".join(lit(x) for x in d)}}}, {alt[0] == "g" and "true" or "false"}, {p!r}}},')
for name, d, alt in WILCOXON:
    res = stats.wilcoxon(np.array(d, dtype=float), alternative=alt)
    print(f'{{"{name}", {{{", ".join(lit(x) for x in d)}}}, {alt[0] == "g" and "true" or "false"}, '
          f'{float(res.pvalue)!r}, {float(res.statistic)!r}}},')

# TOST (stats.h: tost): no scipy function; each one-sided p is scipy.stats.wilcoxon (or
# binomtest) on the shifted differences, as the docstring of stats.h states.
TOST = [  # (name, differences, margin, test)
    ("wilcoxon, all inside", [0.01, -0.02, 0.03, -0.005, 0.012, -0.018, 0.007, 0.021, -0.011, 0.004],
     0.05, "wilcoxon"),
    ("wilcoxon, shifted up", [0.31, 0.28, 0.35, 0.22, 0.40, 0.29, 0.33, 0.26], 0.1, "wilcoxon"),
    ("wilcoxon, one diverged", [0.01, -0.02, math.inf, 0.015, -0.01, 0.002, -0.007, 0.011], 0.05,
     "wilcoxon"),
    ("wilcoxon, n 3", [0.001, -0.002, 0.0005], 0.01, "wilcoxon"),
    ("wilcoxon, straddles", [0.04, -0.06, 0.02, -0.03, 0.05, 0.01, -0.045, 0.035, -0.01, 0.07,
                             -0.02, 0.03], 0.05, "wilcoxon"),
    ("sign, 9 of 10 inside", [0.01, -0.02, 0.03, -0.005, 0.2, -0.018, 0.007, 0.021, -0.011, 0.004],
     0.05, "sign"),
]


def one_sided(test, d, alt):
    d = np.array(d, dtype=float)
    if test == "wilcoxon":
        return float(stats.wilcoxon(d, alternative=alt).pvalue)
    k, n = int((d > 0).sum()), int((d != 0).sum())
    return float(stats.binomtest(k, n, 0.5, alternative=alt).pvalue)


for name, d, m, test in TOST:
    up, down = [x + m for x in d], [x - m for x in d]
    pl, pu = one_sided(test, up, "greater"), one_sided(test, down, "less")
    pb, pa = one_sided(test, up, "less"), one_sided(test, down, "greater")
    print(f'{{"{name}", {{{", ".join(lit(x) for x in d)}}}, {m!r}, "{test}", {pl!r}, {pu!r}, '
          f'{pb!r}, {pa!r}}},')
