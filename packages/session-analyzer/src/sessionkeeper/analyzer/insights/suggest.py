"""Suggestions derived from the insights, each citing its evidence and how sure it is.

* ``risky_next_run``: a task whose next run fails with probability >= 0.5 (up to 3, riskiest first);
* ``flaky``: a flaky task or command (up to 3, highest flip rate first);
* ``drift``: a change of duration level (up to 3, latest first);
* ``anomaly``: an unusual duration in the last 7 days of the runs (up to 2, latest first);
* ``best_hours`` / ``worst_hours``: the two-hour windows of :mod:`.hours`, when sure enough.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sessionkeeper.analyzer.messages import Messages, plain

from .model import Anomaly, Drift, Evidence, Flakiness, InsightSuggestion, ProductiveHours, Subject

__all__ = ["THRESHOLDS", "drift_message", "make_suggestions", "short_date"]

THRESHOLDS: Final[dict[str, int | float]] = {
    "risky_next_run_min_probability": 0.5,
    "risky_next_run_min_runs": 5,
    "duration_min_runs": 3,
    "flaky_min_runs": 10,
    "flaky_min_flips": 3,
    "flaky_min_flip_rate": 0.15,
    "drift_min_runs": 16,
    "drift_min_ratio": 1.25,
    "anomaly_min_robust_z": 3.5,
    "hours_min_runs": 20,
    "hours_min_confidence": round(1 - 0.1 / 24, 4),
}
_TOP = 3
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_date(iso: str, say: Messages) -> str:
    """``3 Nov`` / ``11월 3일`` of a local ISO time."""
    day = datetime.fromisoformat(iso)
    if say.language == "ko":
        return f"{day.month}월 {day.day}일"
    return f"{day.day} {_MONTHS[day.month - 1]}"


def _period(evidence: Evidence, say: Messages) -> str:
    if evidence.since is None or evidence.until is None:
        return ""
    return f"{short_date(evidence.since, say)} \u2013 {short_date(evidence.until, say)}"


def _risky(subjects: list[Subject], say: Messages) -> list[InsightSuggestion]:
    found = [
        s
        for s in subjects
        if s.kind == "task"
        and s.risk.probability >= THRESHOLDS["risky_next_run_min_probability"]
        and s.runs >= THRESHOLDS["risky_next_run_min_runs"]
    ][:_TOP]
    return [
        InsightSuggestion(
            "risky_next_run",
            say(
                "insights.suggest.risky",
                name=plain(s.name),
                probability=say.percent(s.risk.probability),
                failed=s.risk.recent_failed,
                recent=s.risk.recent_runs,
                runs=s.runs,
                period=_period(s.risk.evidence, say),
            ),
            s.risk.probability,
            s.risk.evidence,
            {"name": s.name, "probability": s.risk.probability, "recent_failed": s.risk.recent_failed},
        )
        for s in found
    ]


def _flaky(flaky: list[Flakiness], say: Messages) -> list[InsightSuggestion]:
    return [
        InsightSuggestion(
            "flaky",
            say(
                f"insights.suggest.flaky_{f.kind}",
                name=plain(f.name),
                flips=f.flips,
                runs=f.evidence.runs,
                rate=f"{f.flip_rate:.2f}",
                period=_period(f.evidence, say),
            ),
            f.confidence,
            f.evidence,
            {"kind": f.kind, "name": f.name, "flips": f.flips, "flip_rate": f.flip_rate},
        )
        for f in flaky[:_TOP]
    ]


def drift_message(d: Drift, say: Messages) -> str:
    """ "FIX-DB has taken 2.0x longer since 3 Nov (median ... over ... runs, against ...)"."""
    slower = d.ratio >= 1
    ratio = d.ratio if slower else (1 / d.ratio if d.ratio else 0.0)
    return say(
        "insights.suggest.slower" if slower else "insights.suggest.faster",
        name=plain(d.name),
        ratio=f"{ratio:.1f}",
        date=short_date(d.changed_at, say),
        after=say.duration(d.median_after_seconds),
        runs_after=d.runs_after,
        before=say.duration(d.median_before_seconds),
        runs_before=d.runs_before,
    )


def _drift(drift: list[Drift], say: Messages) -> list[InsightSuggestion]:
    return [
        InsightSuggestion(
            "drift",
            drift_message(d, say),
            d.confidence,
            d.evidence,
            {"kind": d.kind, "name": d.name, "ratio": d.ratio, "changed_at": d.changed_at},
        )
        for d in drift[:_TOP]
    ]


def _anomalies(anomalies: list[Anomaly], latest: str | None, say: Messages) -> list[InsightSuggestion]:
    if latest is None:
        return []
    cutoff = (datetime.fromisoformat(latest) - timedelta(days=7)).isoformat()
    recent = [a for a in anomalies if a.run.at >= cutoff][:2]
    return [
        InsightSuggestion(
            "anomaly",
            say(
                "insights.suggest.anomaly",
                name=plain(a.name),
                duration=say.duration(a.run.duration_seconds),
                date=short_date(a.run.at, say),
                ratio=f"{a.ratio:.1f}",
                median=say.duration(a.median_seconds),
                z=f"{a.robust_z:.1f}",
                runs=a.evidence.runs,
            ),
            # a robust z of 3.5 is the usual outlier line; certainty grows with it (capped below 1)
            round(min(0.999, 1 - 1 / (1 + abs(a.robust_z))), 4),
            a.evidence,
            {"kind": a.kind, "name": a.name, "robust_z": a.robust_z, "at": a.run.at},
        )
        for a in recent
    ]


def _hours(hours: ProductiveHours, say: Messages) -> list[InsightSuggestion]:
    result = []
    for key, window in (("best_hours", hours.best), ("worst_hours", hours.worst)):
        if window is None:
            continue
        result.append(
            InsightSuggestion(
                key,
                say(
                    f"insights.suggest.{key}",
                    start=window.start_hour,
                    end=window.end_hour,
                    rate=say.percent(window.success_rate),
                    succeeded=window.succeeded,
                    runs=window.runs,
                    rest=say.percent(window.rest_success_rate),
                    confidence=say.percent(window.confidence),
                ),
                window.confidence,
                hours.evidence,
                {
                    "start_hour": window.start_hour,
                    "end_hour": window.end_hour,
                    "success_rate": window.success_rate,
                    "rest_success_rate": window.rest_success_rate,
                },
            )
        )
    return result


def make_suggestions(
    subjects: list[Subject],
    flaky: list[Flakiness],
    drift: list[Drift],
    anomalies: list[Anomaly],
    hours: ProductiveHours,
    latest: str | None,
    say: Messages,
) -> list[InsightSuggestion]:
    return [
        *_risky(subjects, say),
        *_flaky(flaky, say),
        *_drift(drift, say),
        *_anomalies(anomalies, latest, say),
        *_hours(hours, say),
    ]
