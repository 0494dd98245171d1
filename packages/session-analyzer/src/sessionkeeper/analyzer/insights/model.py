"""The insights as attrs models: the ``insights`` key of the JSON report (a contract, see the
analyzer's README) and what the text and HTML sections show.

Every figure carries its evidence — how many runs it rests on and the period they span
(``Evidence``: ``since``/``until`` are ISO times in the report's zone) — and a confidence where
one is meaningful. Seconds are rounded to milliseconds, probabilities and rates (0..1) to four
decimals; a figure that cannot be given is ``None`` (JSON ``null``), never 0.
"""

from __future__ import annotations

import attrs

__all__ = [
    "Anomaly",
    "Drift",
    "DurationForecast",
    "Evidence",
    "Flakiness",
    "HourCell",
    "HourWindow",
    "InsightSuggestion",
    "Insights",
    "ModelInfo",
    "ProductiveHours",
    "Risk",
    "RunRef",
    "Subject",
]


@attrs.frozen
class Evidence:
    """The runs a figure rests on: how many, and from when to when (local ISO times)."""

    runs: int
    since: str | None
    until: str | None


@attrs.frozen
class RunRef:
    """One run, as evidence: when it ended, how, how long it took, in which session."""

    at: str
    success: bool
    duration_seconds: float | None
    session_id: str


@attrs.frozen
class Risk:
    """How likely the next run is to fail (a calibrated probability), and what it rests on."""

    probability: float
    method: str  # "model" (calibrated logistic regression) or "rate" (smoothed failure rate)
    recent_runs: int  # the last (at most 10) runs ...
    recent_failed: int  # ... and how many of them failed
    evidence: Evidence  # every run of the task / command in the period


@attrs.frozen
class DurationForecast:
    """P50/P90 of the next successful run's duration; ``status`` "unknown" below 3 timed runs."""

    status: str  # "known" or "unknown"
    p50_seconds: float | None
    p90_seconds: float | None
    evidence: Evidence  # the runs the quantiles were taken over (the last window)
    since_change: bool  # the window starts at a detected change of duration (see drift)
    backtest_runs: int  # runs that had a forecast from the runs before them ...
    backtest_coverage: float | None  # ... and the share of them that took at most its P90


@attrs.frozen
class Subject:
    """A task or a normalised command line: its next run's risk and expected duration."""

    kind: str  # "task" or "command"
    name: str
    runs: int
    failed: int
    risk: Risk
    duration: DurationForecast
    flaky: bool
    drift: bool


@attrs.frozen
class Flakiness:
    """Outcomes that alternate with no change in what was run (same task id / command key)."""

    kind: str
    name: str
    flips: int  # outcome changes between consecutive runs
    flip_rate: float  # flips / (runs - 1)
    flip_rate_low: float  # 90% Wilson interval of the flip rate
    flip_rate_high: float
    entropy: float  # of the failure rate, in bits (1 = as often failing as not)
    failure_rate: float
    confidence: float  # probability that the flip rate is above the flaky threshold (Beta posterior)
    evidence: Evidence
    runs: list[RunRef]  # the latest runs, showing the flips (at most 12)


@attrs.frozen
class Drift:
    """A change point in the durations of successful runs: "took 2x longer since 3 Nov"."""

    kind: str
    name: str
    changed_at: str  # the first run after the change
    ratio: float  # median after / median before
    median_before_seconds: float
    median_after_seconds: float
    runs_before: int
    runs_after: int
    confidence: float  # 1 - p of a rank-sum test between the two segments
    evidence: Evidence


@attrs.frozen
class Anomaly:
    """A run whose duration is far from its task's usual (robust z on log durations)."""

    kind: str
    name: str
    run: RunRef
    median_seconds: float  # of the runs before it (its window)
    ratio: float  # its duration / that median
    robust_z: float  # 0.6745 (log d - median) / MAD, over the window
    evidence: Evidence  # the window


@attrs.frozen
class HourCell:
    weekday: int  # 0 = Monday
    hour: int  # local hour
    runs: int
    succeeded: int
    success_rate: float
    low: float  # 90% Wilson interval of the success rate
    high: float


@attrs.frozen
class HourWindow:
    """Two local hours (every weekday) set apart from the rest of the day."""

    start_hour: int
    end_hour: int
    runs: int
    succeeded: int
    success_rate: float
    low: float
    high: float
    rest_success_rate: float  # of every other hour
    confidence: float  # probability (Beta posteriors) that it is better (best) / worse (worst)


@attrs.frozen
class ProductiveHours:
    success_rate: float | None
    cells: list[HourCell]  # every weekday x hour with runs
    best: HourWindow | None  # only when confidence >= 1 - 0.1/24 (90% over the 24 windows)
    worst: HourWindow | None
    evidence: Evidence


@attrs.frozen
class ModelInfo:
    """How failure risk is predicted for one kind, and how well that did on held-out runs."""

    method: str  # "logistic regression + isotonic (or sigmoid) calibration", or "smoothed rate ..."
    features: list[str]
    trained_runs: int
    trained_failures: int
    holdout_runs: int  # the latest 20% of runs, scored by a model trained on the rest
    holdout_auc: float | None
    holdout_brier: float | None
    baseline_brier: float | None  # the historical failure rate on the same runs
    evidence: Evidence


@attrs.frozen
class InsightSuggestion:
    kind: str
    message: str
    confidence: float
    evidence: Evidence
    data: dict[str, int | float | str]


@attrs.frozen
class Insights:
    evidence: Evidence  # every task run the insights learned from
    commands_evidence: Evidence
    models: dict[str, ModelInfo]  # "task", "command"
    tasks: list[Subject]  # most at risk first (at most 100)
    commands: list[Subject]
    flaky: list[Flakiness]
    drift: list[Drift]
    anomalies: list[Anomaly]
    productive_hours: ProductiveHours
    suggestions: list[InsightSuggestion]
    thresholds: dict[str, int | float]
