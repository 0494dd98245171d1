"""Drift: where the durations of a task's successful runs changed level (change points).

Durations are compared on a log scale (a task that takes "twice as long" shifts by log 2
whatever its length). Binary segmentation finds the split that best separates the series into
two levels — the largest ``k (n - k) / n * (mean before - mean after)^2`` — and keeps it only
when all of these hold:

* it stands out of the noise: the statistic divided by the noise variance exceeds
  ``PENALTY * log(n)`` (a BIC-like penalty, stricter than BIC's ``log n`` because a false drift
  is worse than a late one); the noise is measured from differences of consecutive runs
  (``MAD / 0.6745 / sqrt 2``), which a level change barely moves;
* it matters: the medians either side differ by at least ``MIN_RATIO`` (25%);
* it is not chance: a Mann-Whitney rank-sum test between the two sides gives p < ``ALPHA``
  (ranks: a few outliers cannot make a drift); ``confidence`` is 1 - p;
* each side has at least ``MIN_SEGMENT`` runs.

Each side is then searched again (at most ``MAX_CHANGES`` changes). Values are first winsorised
at 4 noise deviations around a running median of 9 runs, so that one absurd run cannot pull a
mean. The benchmark checks that an injected change is found within 10 runs of where it was made,
and that series without one get none.
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import numpy.typing as npt

__all__ = ["MIN_RUNS", "Change", "change_points", "noise"]

F64 = npt.NDArray[np.float64]
MIN_RUNS = 16
MIN_SEGMENT = 6
MIN_RATIO = 1.25
PENALTY = 4.0
ALPHA = 1e-3
MAX_CHANGES = 3


@attrs.frozen
class Change:
    index: int  # the first run of the new level
    p_value: float


def noise(x: F64) -> float:
    """Robust standard deviation of the noise around the level (from first differences)."""
    if len(x) < 3:
        return 0.0
    d = np.diff(x)
    mad = float(np.median(np.abs(d - np.median(d))))
    return mad / 0.6744897501960817 / math.sqrt(2)


def _winsorised(x: F64, sigma: float) -> F64:
    if len(x) < 9 or sigma <= 0:
        return x
    padded = np.pad(x, 4, mode="edge")
    running = np.median(np.lib.stride_tricks.sliding_window_view(padded, 9), axis=1)
    return np.clip(x, running - 4 * sigma, running + 4 * sigma)


def _best_split(x: F64) -> tuple[int, float]:
    n = len(x)
    k = np.arange(MIN_SEGMENT, n - MIN_SEGMENT + 1)
    cs = np.cumsum(x)
    before = cs[k - 1] / k
    after = (cs[-1] - cs[k - 1]) / (n - k)
    stat = k * (n - k) / n * (before - after) ** 2
    best = int(np.argmax(stat))
    return int(k[best]), float(stat[best])


def _search(raw: F64, clean: F64, offset: int, sigma2: float, found: list[Change], depth: int) -> None:
    n = len(clean)
    if n < 2 * MIN_SEGMENT or depth >= MAX_CHANGES:
        return
    k, stat = _best_split(clean)
    if stat / sigma2 <= PENALTY * math.log(n):
        return
    left, right = raw[:k], raw[k:]
    if abs(float(np.median(right) - np.median(left))) < math.log(MIN_RATIO):
        return
    from scipy.stats import mannwhitneyu

    p = float(mannwhitneyu(left, right, alternative="two-sided").pvalue)
    if p >= ALPHA:
        return
    found.append(Change(offset + k, p))
    _search(raw[:k], clean[:k], offset, sigma2, found, depth + 1)
    _search(raw[k:], clean[k:], offset + k, sigma2, found, depth + 1)


def change_points(log_durations: F64) -> list[Change]:
    """The changes of level in a series of log durations (oldest first), in order."""
    x = np.asarray(log_durations, dtype=np.float64)
    if len(x) < MIN_RUNS:
        return []
    sigma = noise(x)
    sigma2 = max(sigma, 0.02) ** 2  # durations equal to the millisecond: 2% noise at least
    found: list[Change] = []
    _search(x, _winsorised(x, sigma), 0, sigma2, found, 0)
    return sorted(found, key=lambda change: change.index)
