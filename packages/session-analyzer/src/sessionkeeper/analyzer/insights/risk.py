"""Failure risk of the next run: a calibrated logistic regression over what each run's past says.

**Why this model.** People have tens to tens of thousands of runs, a few percent of them failed.
What predicts the next outcome is the task's own past — its failure rate, whether failures come
in streaks (a broken build stays broken until fixed) or alternate (a flaky test), its latest
runs — and, more weakly, the hour. Those become a handful of features per run, each computed
from the runs *before* it only (so nothing leaks from the future, and a model trained on the
past is scored fairly on the future):

* ``rate``: the task's failure rate so far, shrunk towards the overall rate (Beta prior worth
  two runs) so that a task with one run is not 0% or 100%;
* ``markov``: how often a run failed after a run that ended like the latest one did (the
  first-order transition rate, shrunk towards ``rate``): high for streaks, low for flips;
* ``recent``: failures among the last five runs (shrunk towards ``rate``);
* ``experience``: log(1 + runs so far); the local hour as two harmonics (sin/cos of 24 h and 12 h).

The probabilities enter as logits. Logistic regression (scikit-learn, lbfgs, L2) on a dozen
features fits 50,000 runs in well under a second, needs no tuning, and is itself close to
calibrated; gradient boosting was not needed for these features (the benchmark's AUC and Brier
beat both baselines with it) and would cost more time and more data per parameter. Its
probabilities are then calibrated by ``CalibratedClassifierCV`` (3 folds): isotonic regression
from 1,000 runs and 50 failures on (it needs many samples not to overfit), Platt's sigmoid below
that. Below 100 runs or 10 failures (or 10 successes) there is no model: the risk is the smoothed
rate ``rate``, which is what the evidence supports; the same when the model, trained on the
earliest 80% of the runs, does not beat the historical failure rate on the latest 20% (Brier
score; :mod:`.analyse`). Training uses the latest 50,000 runs at most.
"""

from __future__ import annotations

import math
from datetime import UTC
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from .stats import auc, brier
from .table import RunTable

__all__ = ["FEATURES", "FailureModel", "baselines", "design", "next_run_design"]

F64 = npt.NDArray[np.float64]
FEATURES = [
    "rate",
    "markov",
    "recent",
    "experience",
    "hour_sin",
    "hour_cos",
    "hour_sin_12h",
    "hour_cos_12h",
]
PRIOR_RUNS = 2.0  # weight of the prior, in runs
RECENT = 5
MIN_RUNS, MIN_CLASS = 100, 10
ISOTONIC_RUNS, ISOTONIC_FAILURES = 1000, 50
MAX_TRAIN = 50_000
HOLDOUT = 0.2
_EPS = 1e-3


def _logit(p: F64) -> F64:
    q = np.clip(p, _EPS, 1 - _EPS)
    return np.asarray(np.log(q / (1 - q)), dtype=np.float64)


def _exclusive(values: F64, starts: npt.NDArray[np.int64], group: npt.NDArray[np.int64]) -> F64:
    """Per run, the sum of ``values`` over the runs of its group before it."""
    total = np.cumsum(values) - values
    return np.asarray(total - total[starts[:-1]][group], dtype=np.float64) if len(values) else total


def history_features(table: RunTable, prior: float) -> F64:
    """``rate``, ``markov``, ``recent``, ``experience`` of every run (from the runs before it)."""
    n = len(table)
    if not n:
        return np.zeros((0, 4))
    g, starts = table.group, table.starts
    y = table.failed.astype(np.float64)
    position = (np.arange(n) - starts[:-1][g]).astype(np.float64)  # runs before, in its group
    has_prev = position >= 1
    prev = np.zeros(n)
    prev[1:] = y[:-1]
    prev[~has_prev] = 0.0
    fails = _exclusive(y, starts, g)
    rate = (fails + PRIOR_RUNS * prior) / (position + PRIOR_RUNS)
    # transitions j (y[j-1] -> y[j]) known before run i: j < i, in the same group
    from_fail = np.where(has_prev & (prev == 1), 1.0, 0.0)
    from_ok = np.where(has_prev & (prev == 0), 1.0, 0.0)
    n_ff = _exclusive(from_fail, starts, g)
    n_ff_failed = _exclusive(from_fail * y, starts, g)
    n_of = _exclusive(from_ok, starts, g)
    n_of_failed = _exclusive(from_ok * y, starts, g)
    last = np.zeros(n)
    last[1:] = y[:-1]
    last_failed = has_prev & (last == 1)
    markov = np.where(
        last_failed,
        (n_ff_failed + PRIOR_RUNS * rate) / (n_ff + PRIOR_RUNS),
        (n_of_failed + PRIOR_RUNS * rate) / (n_of + PRIOR_RUNS),
    )
    markov = np.where(has_prev, markov, rate)
    cumulative = np.cumsum(y) - y  # failures before each run (all groups)
    back = np.maximum(np.arange(n) - RECENT, starts[:-1][g])
    window = np.arange(n) - back
    recent_fails = cumulative - cumulative[back]
    recent = (recent_fails + PRIOR_RUNS * rate) / (window + PRIOR_RUNS)
    return np.column_stack([_logit(rate), _logit(markov), _logit(recent), np.log1p(position)])


def hour_features(hours: npt.ArrayLike) -> F64:
    angle = np.asarray(hours, dtype=np.float64) * (2 * math.pi / 24)
    return np.column_stack([np.sin(angle), np.cos(angle), np.sin(2 * angle), np.cos(2 * angle)])


def design(table: RunTable, prior: float) -> F64:
    """The feature matrix of every run of ``table`` (rows in the table's order)."""
    return np.hstack([history_features(table, prior), hour_features(table.hour)])


def next_run_design(table: RunTable, prior: float, hours_back: int = 20) -> tuple[F64, npt.NDArray[np.int64]]:
    """Feature rows for the next run of every group that has runs: the history part as if a run
    followed the last one, once per hour of the group's last ``hours_back`` runs (the risk is
    averaged over them). Returns the rows and, per row, its group."""
    present = np.flatnonzero(np.diff(table.starts) > 0)
    if not len(present):
        return np.zeros((0, len(FEATURES))), np.zeros(0, dtype=np.int64)
    # One virtual run appended to every group with runs (outcome unused: features look back only).
    ends = table.starts[1:][present]
    virtual = RunTable.build(
        table.names,
        np.concatenate([table.group, present]),
        np.concatenate([table.at, table.at[ends - 1] + 1.0]),
        np.concatenate([table.failed, np.zeros(len(present), dtype=np.bool_)]),
        np.concatenate([table.duration, np.full(len(present), np.nan)]),
        np.concatenate([table.session, np.zeros(len(present), dtype=np.int64)]),
        UTC,
    )
    history = history_features(virtual, prior)
    last_rows = virtual.starts[1:][present] - 1
    rows, groups = [], []
    for group, row, end in zip(present.tolist(), last_rows.tolist(), ends.tolist(), strict=True):
        begin = max(int(table.starts[group]), end - hours_back)
        hours = table.hour[begin:end]
        part = np.hstack([np.repeat(history[row : row + 1], len(hours), axis=0), hour_features(hours)])
        rows.append(part)
        groups.append(np.full(len(hours), group, dtype=np.int64))
    return np.vstack(rows), np.concatenate(groups)


def baselines(table: RunTable, prior: float) -> tuple[F64, F64]:
    """The two baselines of every run: its group's last outcome (0 or 1; ``prior`` for a first
    run) and its historical failure rate (the raw rate of the runs before it; ``prior`` first)."""
    n = len(table)
    g, starts = table.group, table.starts
    y = table.failed.astype(np.float64)
    position = np.arange(n) - starts[:-1][g]
    last = np.full(n, prior)
    has_prev = position >= 1
    shifted = np.zeros(n)
    shifted[1:] = y[:-1]
    last[has_prev] = shifted[has_prev]
    fails = _exclusive(y, starts, g)
    rate = np.where(has_prev, fails / np.maximum(position, 1), prior)
    return last, rate


@attrs.define
class FailureModel:
    """A fitted model (or none: the smoothed rate) and what it was fitted on."""

    method: str
    estimator: Any  # a fitted CalibratedClassifierCV, or None
    trained_runs: int
    trained_failures: int

    @staticmethod
    def fit(features: F64, failed: npt.NDArray[np.bool_]) -> FailureModel:
        """Fit on rows in time order (the latest ``MAX_TRAIN`` are used)."""
        features, failed = features[-MAX_TRAIN:], failed[-MAX_TRAIN:]
        runs, failures = len(failed), int(failed.sum())
        if runs < MIN_RUNS or failures < MIN_CLASS or runs - failures < MIN_CLASS:
            return FailureModel("smoothed rate", None, runs, failures)
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        isotonic = runs >= ISOTONIC_RUNS and failures >= ISOTONIC_FAILURES
        method = "isotonic" if isotonic else "sigmoid"
        estimator = CalibratedClassifierCV(
            make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=300)), method=method, cv=3
        )
        try:
            estimator.fit(features, failed)
        except ValueError:  # a fold with one class only: the rate is all the evidence supports
            return FailureModel("smoothed rate", None, runs, failures)
        label = "isotonic" if isotonic else "sigmoid (Platt)"
        return FailureModel(f"logistic regression + {label} calibration", estimator, runs, failures)

    def predict(self, features: F64) -> F64:
        """Probabilities of failure of the rows of ``features``."""
        if self.estimator is None:
            return 1 / (1 + np.exp(-features[:, 0]))  # the smoothed rate (its logit is column 0)
        return np.asarray(self.estimator.predict_proba(features)[:, 1], dtype=np.float64)


@attrs.frozen
class Holdout:
    runs: int
    auc: float | None
    brier: float | None
    baseline_brier: float | None


def holdout(table: RunTable) -> Holdout:
    """Train on the earliest 80% of the runs (in time), score the latest 20%."""
    n = len(table)
    order = np.argsort(table.at, kind="stable")
    cut = int(n * (1 - HOLDOUT))
    train, test = order[:cut], order[cut:]
    if not len(test) or not len(train):
        return Holdout(0, None, None, None)
    prior = float(table.failed[train].mean())
    features = design(table, prior)
    model = FailureModel.fit(features[train], table.failed[train])
    predicted = model.predict(features[test])
    _, rate = baselines(table, prior)
    outcome = table.failed[test]
    score = auc(predicted, outcome)
    return Holdout(
        len(test),
        None if math.isnan(score) else round(score, 4),
        round(brier(predicted, outcome), 4),
        round(brier(rate[test], outcome), 4),
    )
