"""Small statistics shared by the insights: quantiles, intervals, scores.

**Quantiles** (P50/P90) are taken by linear interpolation between order statistics: for ``n``
sorted values and a fraction ``q`` the position is ``q * (n - 1)``, between the values either
side — ``statistics.quantiles(values, n=100, method="inclusive")`` and numpy's default
``numpy.percentile`` give the same numbers, and so does session-hooks' ``forecast()``, which
cannot import numpy (tests check all three agree).

**Intervals** of a rate are Wilson score intervals at 90% (z = 1.645): unlike the normal
approximation they stay inside 0..1 and behave with few runs or none failed.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["Z90", "auc", "brier", "entropy_bits", "quantile", "wilson"]

Z90 = 1.6448536269514722


def quantile(values: npt.ArrayLike, q: float) -> float:
    """The ``q`` quantile (0..1) by linear interpolation between order statistics."""
    return float(np.percentile(np.asarray(values, dtype=np.float64), q * 100.0))


def wilson(successes: int, trials: int, z: float = Z90) -> tuple[float, float]:
    """Wilson score interval of ``successes / trials``; (0, 1) without trials."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def entropy_bits(p: float) -> float:
    """Binary entropy of a rate, in bits."""
    if p <= 0 or p >= 1:
        return 0.0
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def brier(probabilities: npt.ArrayLike, outcomes: npt.ArrayLike) -> float:
    """Mean squared error of probabilities against 0/1 outcomes (lower is better)."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(outcomes, dtype=np.float64)
    return float(np.mean((p - y) ** 2)) if len(p) else math.nan


def auc(scores: npt.ArrayLike, outcomes: npt.ArrayLike) -> float:
    """Area under the ROC curve (ties count half); NaN when only one class is present."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(outcomes, dtype=np.bool_)
    positives, negatives = int(y.sum()), int((~y).sum())
    if not positives or not negatives:
        return math.nan
    from scipy.stats import rankdata

    ranks = rankdata(s)  # average ranks: ties count half
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))
