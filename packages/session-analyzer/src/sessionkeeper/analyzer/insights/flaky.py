"""Flaky tasks and commands: outcomes that alternate with no change in what was run.

"What was run" is the task id, or the command line's key (:func:`.commands.command_key`). Over
its last ``WINDOW`` (100) runs:

* **flip rate** — outcome changes between consecutive runs / (runs - 1), Apple's measure
  (Kowalczyk et al., 2020): a broken-then-fixed task flips twice, a flaky one every few runs;
* **entropy** of the failure rate, in bits (how mixed the outcomes are, whatever their order).

It is flaky when it has at least ``MIN_RUNS`` (10) runs and ``MIN_FLIPS`` (3) flips, a flip rate of
at least ``FLIP_RATE`` (0.15), and a probability of at least ``CONFIDENCE`` (0.9) that its true flip
rate exceeds ``FLIP_FLOOR`` (0.08) — under a Beta(1 + flips, 1 + runs - 1 - flips) posterior. A
task failing 5% of the time at random flips at ~0.095; the benchmark's flaky commands flip at
0.2-0.5, and its streaky (broken-then-fixed) ones below 0.1 whatever their failure rate.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from .stats import entropy_bits, wilson

__all__ = ["FlakyFound", "flakiness"]

WINDOW = 100
MIN_RUNS, MIN_FLIPS = 10, 3
FLIP_RATE, FLIP_FLOOR, CONFIDENCE = 0.15, 0.08, 0.9


@attrs.frozen
class FlakyFound:
    first: int  # index of the first run of the window (in the series given)
    runs: int
    flips: int
    flip_rate: float
    low: float
    high: float
    entropy: float
    failure_rate: float
    confidence: float
    flaky: bool


def flakiness(failed: npt.NDArray[np.bool_]) -> FlakyFound | None:
    """The flakiness of one task's outcomes (oldest first); None below ``MIN_RUNS`` runs."""
    n = len(failed)
    if n < MIN_RUNS:
        return None
    first = max(0, n - WINDOW)
    y = failed[first:]
    runs = len(y)
    flips = int(np.count_nonzero(y[1:] != y[:-1]))
    pairs = runs - 1
    rate = flips / pairs
    low, high = wilson(flips, pairs)
    from scipy.stats import beta

    confidence = float(beta.sf(FLIP_FLOOR, 1 + flips, 1 + pairs - flips))
    failure_rate = float(y.mean())
    flaky = flips >= MIN_FLIPS and rate >= FLIP_RATE and confidence >= CONFIDENCE
    return FlakyFound(
        first, runs, flips, rate, low, high, entropy_bits(failure_rate), failure_rate, confidence, flaky
    )
