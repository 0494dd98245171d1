"""Expected duration (P50/P90 of the next successful run) and duration anomalies.

**Forecast.** The quantiles (:func:`.stats.quantile`: linear interpolation between order
statistics) of the last ``WINDOW`` (30) successful runs with a known duration, only from the last
detected change of level on (:mod:`.drift`), when at least 3 runs follow it: after "FIX-DB has
taken 2x longer since 3 Nov", the runs before 3 Nov no longer describe it. Fewer than 3 timed
runs: "unknown". Successful runs only, as Jenkins estimates a build from its successful builds: a
failed run often stops early and would make the forecast too short.

Its confidence is measured, not assumed: ``backtest_coverage`` is the share of the task's past
runs (its latest 300) that took at most the P90 forecast from the (up to 30) runs before them —
about 0.9 when the forecast is honest (the benchmark checks 85-95% on synthetic histories).

**Anomalies.** A run (successful or not) whose log duration lies at least ``Z_MIN`` (3.5, after
Iglewicz and Hoaglin) robust z-scores from the median of the up to 30 timed runs before it —
``0.6745 (x - median) / MAD`` — and at least 1.5x (or 1/1.5) from it in seconds; windows do not
reach back across a change of level, and need 10 runs. The latest 300 runs of a task are checked,
and its latest 5 anomalies kept (older ones are history, and the work stays bounded).
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import numpy.typing as npt

from . import drift
from .stats import quantile

__all__ = ["AnomalyFound", "Forecast", "anomalies", "forecast", "log_durations"]

F64 = npt.NDArray[np.float64]
WINDOW = 30
MIN_RUNS = 3
ANOMALY_WINDOW, ANOMALY_MIN = 30, 10
SCAN = BACKTEST = 300  # latest runs of a task checked for anomalies / backtested (bounded work)
Z_MIN, RATIO_MIN = 3.5, 1.5
MAD_FLOOR = 0.05  # in log units (~5%): runs of identical durations are not infinitely sure


def log_durations(seconds: F64) -> F64:
    return np.asarray(np.log(np.maximum(seconds, 1e-3)), dtype=np.float64)


@attrs.frozen
class Forecast:
    p50: float | None
    p90: float | None
    first: int  # index (in the series) of the first run of the window
    runs: int  # runs in the window
    since_change: bool
    backtest_runs: int
    backtest_coverage: float | None


def _small_quantile(ordered: list[float], q: float) -> float:
    """:func:`.stats.quantile` of a short sorted list (numpy's per-call cost is ~40x a sort of 30)."""
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _backtest(seconds: F64) -> tuple[int, float | None]:
    seconds = seconds[-(BACKTEST + WINDOW) :]  # the latest runs say how good the forecast is now
    n = len(seconds)
    if n <= MIN_RUNS:
        return 0, None
    covered = 0
    values = seconds.tolist()
    for i in range(MIN_RUNS, min(n, WINDOW)):
        covered += values[i] <= _small_quantile(sorted(values[:i]), 0.9)
    if n > WINDOW:
        windows = np.lib.stride_tricks.sliding_window_view(seconds[:-1], WINDOW)
        p90 = np.percentile(windows, 90, axis=1)
        covered += int(np.sum(seconds[WINDOW:] <= p90))
    tested = n - MIN_RUNS
    return tested, covered / tested


def forecast(seconds: F64, changes: list[drift.Change]) -> Forecast:
    """The forecast from the durations of a task's successful runs, oldest first."""
    n = len(seconds)
    start, since_change = 0, False
    if changes and n - changes[-1].index >= MIN_RUNS:
        start, since_change = changes[-1].index, True
    first = max(start, n - WINDOW)
    window = seconds[first:]
    tested, coverage = _backtest(seconds)
    if len(window) < MIN_RUNS:
        return Forecast(None, None, first, len(window), since_change, tested, coverage)
    return Forecast(
        quantile(window, 0.5), quantile(window, 0.9), first, len(window), since_change, tested, coverage
    )


@attrs.frozen
class AnomalyFound:
    index: int  # in the series given
    median: float  # seconds
    z: float
    window_first: int
    window_runs: int


def anomalies(seconds: F64, at: F64, change_times: list[float], latest: int = 5) -> list[AnomalyFound]:
    """The ``latest`` anomalous runs of one task's timed runs (``at`` ascending): see the module
    docstring."""
    skipped = max(0, len(seconds) - SCAN - ANOMALY_WINDOW)  # older runs are not looked at
    seconds, at = seconds[skipped:], at[skipped:]
    n = len(seconds)
    if n <= ANOMALY_MIN:
        return []
    x = log_durations(seconds)
    segment = np.zeros(n, dtype=np.int64)  # index of the first run of each run's level
    for moment in change_times:
        first = int(np.searchsorted(at, moment, side="left"))
        segment[first:] = first
    median = np.full(n, np.nan)
    mad = np.full(n, np.nan)
    first_of = np.maximum(np.arange(n) - ANOMALY_WINDOW, segment)
    if n > ANOMALY_WINDOW:
        windows = np.lib.stride_tricks.sliding_window_view(x[:-1], ANOMALY_WINDOW)
        m = np.median(windows, axis=1)
        median[ANOMALY_WINDOW:] = m
        mad[ANOMALY_WINDOW:] = np.median(np.abs(windows - m[:, None]), axis=1)
    # the first runs, and runs whose full window would reach back over a change: window by window
    redo = np.flatnonzero((np.arange(n) < ANOMALY_WINDOW) | (np.arange(n) - ANOMALY_WINDOW < segment))
    values = x.tolist()
    for i in redo.tolist():
        lo = int(first_of[i])
        if i - lo < ANOMALY_MIN:
            median[i] = np.nan
            continue
        middle = _small_quantile(sorted(values[lo:i]), 0.5)
        median[i] = middle
        mad[i] = _small_quantile(sorted(abs(v - middle) for v in values[lo:i]), 0.5)
    valid = ~np.isnan(median)
    z = np.full(n, 0.0)
    z[valid] = 0.6745 * (x[valid] - median[valid]) / np.maximum(mad[valid], MAD_FLOOR)
    hit = valid & (np.abs(z) >= Z_MIN) & (np.abs(x - np.where(valid, median, x)) >= math.log(RATIO_MIN))
    found = []
    for i in np.flatnonzero(hit)[-latest:].tolist():
        lo = int(first_of[i])
        found.append(AnomalyFound(skipped + i, float(np.exp(median[i])), float(z[i]), skipped + lo, i - lo))
    return found
