"""Curve rules the pilot scripts share (bench/pilot/instability, bench/pilot/stress)."""
import math


def loss_rule(v, factor=2.0, patience=20):
    """The suite's divergence rule applied to a whole curve afterwards (suite/engine/
    stability_monitor.h): non-finite, or above factor x its running minimum for patience
    consecutive updates."""
    low, above = math.inf, 0
    for x in v:
        if not math.isfinite(x):
            return True
        low = min(low, x)
        above = above + 1 if x > factor * low else 0
        if above >= patience:
            return True
    return False
