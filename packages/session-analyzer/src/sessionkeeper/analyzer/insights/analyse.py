"""One kind of runs (tasks or commands), analysed: risk, durations, flakiness, drift, anomalies.

The per-group work is a loop over groups (hundreds), each step vectorised over that group's runs;
the risk model is fitted once per kind over all its runs (see :mod:`.risk`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

import attrs
import numpy as np
import numpy.typing as npt

from . import drift as drifts
from .durations import anomalies, forecast, log_durations
from .flaky import flakiness
from .model import (
    Anomaly,
    Drift,
    DurationForecast,
    Evidence,
    Flakiness,
    ModelInfo,
    Risk,
    RunRef,
    Subject,
)
from .risk import FEATURES, FailureModel, design, holdout, next_run_design
from .table import RunTable

__all__ = ["KindFound", "analyse_kind"]

RECENT = 10
FLAKY_RUNS_SHOWN = 12
NO_BETTER = "smoothed rate (the model did not beat the historical rate on the latest runs)"


@attrs.frozen
class KindFound:
    subjects: list[Subject]
    flaky: list[Flakiness]
    drift: list[Drift]
    anomalies: list[Anomaly]
    model: ModelInfo
    evidence: Evidence


def _seconds(value: float) -> float:
    return round(value, 3)


def _rate(value: float) -> float:
    return round(value, 4)


class _Kind:
    """The runs of one kind, with the report's clock and the session ids for evidence."""

    def __init__(self, table: RunTable, kind: str, sessions: Sequence[str], zone: tzinfo) -> None:
        self.table, self.kind, self.sessions, self.zone = table, kind, sessions, zone
        self.flaky: list[Flakiness] = []
        self.drift: list[Drift] = []
        self.anomalies: list[Anomaly] = []

    def iso(self, seconds: float) -> str:
        return datetime.fromtimestamp(seconds, self.zone).isoformat(timespec="seconds")

    def evidence(self, at: npt.NDArray[np.float64]) -> Evidence:
        if not len(at):
            return Evidence(0, None, None)
        return Evidence(len(at), self.iso(float(at[0])), self.iso(float(at[-1])))

    def ref(self, i: int) -> RunRef:
        t = self.table
        duration = float(t.duration[i])
        session = int(t.session[i])
        return RunRef(
            self.iso(float(t.at[i])),
            not bool(t.failed[i]),
            None if np.isnan(duration) else _seconds(duration),
            self.sessions[session] if 0 <= session < len(self.sessions) else "",
        )

    # -- failure risk: one model for the kind ---------------------------------------------------------
    def risk(self) -> tuple[npt.NDArray[np.float64], ModelInfo, bool]:
        t = self.table
        prior = float(t.failed.mean()) if len(t) else 0.0
        order = np.argsort(t.at, kind="stable")
        model = FailureModel.fit(design(t, prior)[order], t.failed[order])
        held = holdout(t) if model.estimator is not None else None
        if held is not None and (
            held.brier is None or held.baseline_brier is None or held.brier >= held.baseline_brier
        ):
            # It did not beat the historical failure rate on the latest runs: the rate is all the
            # evidence supports (a model of a few dozen runs mostly pulls every risk to the mean).
            model = FailureModel(NO_BETTER, None, model.trained_runs, model.trained_failures)
        info = ModelInfo(
            method=model.method,
            features=list(FEATURES),
            trained_runs=model.trained_runs,
            trained_failures=model.trained_failures,
            holdout_runs=held.runs if held else 0,
            holdout_auc=held.auc if held else None,
            holdout_brier=held.brier if held else None,
            baseline_brier=held.baseline_brier if held else None,
            evidence=self.evidence(t.at[order]),
        )
        risk = np.full(t.groups, np.nan)
        if len(t):
            rows, groups = next_run_design(t, prior)
            predicted = model.predict(rows)
            sums = np.bincount(groups, weights=predicted, minlength=t.groups)
            counts = np.bincount(groups, minlength=t.groups)
            present = counts > 0
            risk[present] = sums[present] / counts[present]
        return risk, info, model.estimator is not None

    # -- one task / command ---------------------------------------------------------------------------
    def durations(self, group: int) -> tuple[DurationForecast, bool]:
        """The duration forecast of a group, recording its drift and anomalies on the way."""
        t, part = self.table, self.table.slice(group)
        at, failed, duration = t.at[part], t.failed[part], t.duration[part]
        ok_index = np.flatnonzero(~failed & ~np.isnan(duration))
        seconds = duration[ok_index]
        changes = drifts.change_points(log_durations(seconds)) if len(seconds) >= drifts.MIN_RUNS else []
        found = forecast(seconds, changes)
        if changes:
            last = changes[-1]
            previous = changes[-2].index if len(changes) > 1 else 0
            before, after = seconds[previous : last.index], seconds[last.index :]
            median_before, median_after = float(np.median(before)), float(np.median(after))
            self.drift.append(
                Drift(
                    kind=self.kind,
                    name=t.names[group],
                    changed_at=self.iso(float(at[ok_index[last.index]])),
                    ratio=round(median_after / median_before, 2) if median_before > 0 else 0.0,
                    median_before_seconds=_seconds(median_before),
                    median_after_seconds=_seconds(median_after),
                    runs_before=len(before),
                    runs_after=len(after),
                    confidence=_rate(1 - last.p_value),
                    evidence=self.evidence(at[ok_index[previous:]]),
                )
            )
        timed = np.flatnonzero(~np.isnan(duration))
        change_times = [float(at[ok_index[change.index]]) for change in changes]
        for hit in anomalies(duration[timed], at[timed], change_times):
            run_index = part.start + int(timed[hit.index])
            self.anomalies.append(
                Anomaly(
                    kind=self.kind,
                    name=t.names[group],
                    run=self.ref(run_index),
                    median_seconds=_seconds(hit.median),
                    ratio=round(float(t.duration[run_index]) / hit.median, 2) if hit.median else 0.0,
                    robust_z=round(hit.z, 2),
                    evidence=self.evidence(at[timed[hit.window_first : hit.index]]),
                )
            )
        window_at = at[ok_index[found.first :]] if found.runs else at[:0]
        coverage = found.backtest_coverage
        return (
            DurationForecast(
                status="known" if found.p50 is not None else "unknown",
                p50_seconds=None if found.p50 is None else _seconds(found.p50),
                p90_seconds=None if found.p90 is None else _seconds(found.p90),
                evidence=self.evidence(window_at),
                since_change=found.since_change,
                backtest_runs=found.backtest_runs,
                backtest_coverage=None if coverage is None else _rate(coverage),
            ),
            bool(changes),
        )

    def flakiness(self, group: int) -> bool:
        t, part = self.table, self.table.slice(group)
        found = flakiness(t.failed[part])
        if found is None or not found.flaky:
            return False
        n = part.stop - part.start
        shown = range(max(found.first, n - FLAKY_RUNS_SHOWN), n)
        self.flaky.append(
            Flakiness(
                kind=self.kind,
                name=t.names[group],
                flips=found.flips,
                flip_rate=_rate(found.flip_rate),
                flip_rate_low=_rate(found.low),
                flip_rate_high=_rate(found.high),
                entropy=_rate(found.entropy),
                failure_rate=_rate(found.failure_rate),
                confidence=_rate(found.confidence),
                evidence=self.evidence(t.at[part][found.first :]),
                runs=[self.ref(part.start + i) for i in shown],
            )
        )
        return True


def analyse_kind(table: RunTable, kind: str, sessions: Sequence[str], zone: tzinfo) -> KindFound:
    """Every insight about one kind of runs (see the package docstring)."""
    work = _Kind(table, kind, sessions, zone)
    risk, info, modelled = work.risk()
    subjects = []
    for group in range(table.groups):
        part = table.slice(group)
        if part.stop == part.start:
            continue
        failed = table.failed[part]
        recent = failed[-RECENT:]
        duration, drifted = work.durations(group)
        subjects.append(
            Subject(
                kind=kind,
                name=table.names[group],
                runs=len(failed),
                failed=int(failed.sum()),
                risk=Risk(
                    probability=_rate(float(risk[group])),
                    method="model" if modelled else "rate",
                    recent_runs=len(recent),
                    recent_failed=int(recent.sum()),
                    evidence=work.evidence(table.at[part]),
                ),
                duration=duration,
                flaky=work.flakiness(group),
                drift=drifted,
            )
        )
    subjects.sort(key=lambda s: (-s.risk.probability, -s.runs, s.name))
    work.flaky.sort(key=lambda f: (-f.flip_rate, f.name))
    work.drift.sort(key=lambda d: (d.changed_at, d.name), reverse=True)
    work.anomalies.sort(key=lambda a: (a.run.at, a.name), reverse=True)
    return KindFound(subjects, work.flaky, work.drift, work.anomalies, info, info.evidence)
