"""From the collected runs to :class:`.model.Insights`: the one function the command calls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from sessionkeeper.analyzer.messages import Messages

from .analyse import analyse_kind
from .collect import InsightsCollector
from .hours import HoursFound, Window, productive_hours
from .model import Evidence, HourCell, HourWindow, Insights, ProductiveHours
from .suggest import THRESHOLDS, make_suggestions
from .table import RunTable

__all__ = ["MAX_LISTED", "build_insights", "insights_of"]

MAX_LISTED = 100  # tasks / commands listed (riskiest first); flaky, drift: 50; anomalies: 20


def _hours(found: HoursFound, evidence: Evidence) -> ProductiveHours:
    def window(w: Window | None) -> HourWindow | None:
        if w is None:
            return None
        rest = w.rest_succeeded / w.rest_runs if w.rest_runs else 0.0
        return HourWindow(
            start_hour=w.start,
            end_hour=(w.start + 2) % 24,
            runs=w.runs,
            succeeded=w.succeeded,
            success_rate=round(w.succeeded / w.runs, 4),
            low=round(w.low, 4),
            high=round(w.high, 4),
            rest_success_rate=round(rest, 4),
            confidence=round(w.confidence, 4),
        )

    return ProductiveHours(
        success_rate=round(found.succeeded / found.runs, 4) if found.runs else None,
        cells=[
            HourCell(
                c.weekday,
                c.hour,
                c.runs,
                c.succeeded,
                round(c.succeeded / c.runs, 4),
                round(c.low, 4),
                round(c.high, 4),
            )
            for c in found.cells
        ],
        best=window(found.best),
        worst=window(found.worst),
        evidence=evidence,
    )


def build_insights(
    tasks: RunTable, commands: RunTable, sessions: Sequence[str], zone: tzinfo, say: Messages
) -> Insights:
    """Every insight of these runs (see the package docstring)."""
    task_found = analyse_kind(tasks, "task", sessions, zone)
    command_found = analyse_kind(commands, "command", sessions, zone)
    hours = _hours(productive_hours(tasks.weekday, tasks.hour, tasks.failed), task_found.evidence)
    subjects = task_found.subjects + command_found.subjects
    flaky = sorted(task_found.flaky + command_found.flaky, key=lambda f: (-f.flip_rate, f.kind, f.name))
    drift = sorted(task_found.drift + command_found.drift, key=lambda d: (d.changed_at, d.name), reverse=True)
    anomalies = sorted(
        task_found.anomalies + command_found.anomalies, key=lambda a: (a.run.at, a.name), reverse=True
    )
    latest_at = max((float(t.at.max()) for t in (tasks, commands) if len(t)), default=None)
    latest = (
        None if latest_at is None else datetime.fromtimestamp(latest_at, zone).isoformat(timespec="seconds")
    )
    return Insights(
        evidence=task_found.evidence,
        commands_evidence=command_found.evidence,
        models={"task": task_found.model, "command": command_found.model},
        tasks=task_found.subjects[:MAX_LISTED],
        commands=command_found.subjects[:MAX_LISTED],
        flaky=flaky[:50],
        drift=drift[:50],
        anomalies=anomalies[:20],
        productive_hours=hours,
        suggestions=make_suggestions(subjects, flaky, drift, anomalies, hours, latest, say),
        thresholds=dict(THRESHOLDS),
    )


def insights_of(collector: InsightsCollector, say: Messages) -> Insights:
    """The insights of what ``collector`` saw, in its period's zone."""
    zone = collector.period.zone.tz
    tasks = RunTable.from_columns(collector.tasks, zone)
    commands = RunTable.from_columns(collector.commands, zone)
    return build_insights(tasks, commands, collector.sessions, zone, say)
