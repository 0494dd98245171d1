"""What the text and HTML reports say, section by section, in the report's language.

Both renderers show this one outline, so they cannot drift apart. Sections follow the guide's
order — execution statistics, frequent tasks, failures, productivity, errors, suggestions — with
the commands just before the suggestions and the skipped files and notes at the end. Every text
taken from the data (task ids, messages, file names) goes through :func:`messages.plain`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import attrs

from .messages import Messages, plain
from .report import Report
from .suggestions import THRESHOLDS

__all__ = ["Entry", "Section", "build_outline", "header_lines"]

_MAX_LISTED = 200  # skipped files / notes shown; the JSON report has them all


@attrs.frozen
class Entry:
    """A line of a section: ``line`` (a statement), ``item`` (a list item), or the text-only hour
    histogram (``histogram`` is its heading, ``hour`` a row; the HTML report draws a chart instead)."""

    text: str
    kind: Literal["line", "item", "histogram", "hour"] = "line"
    hour: int = 0
    count: int = 0


@attrs.frozen
class Section:
    key: str  # stable, e.g. "stats" (the HTML id)
    title: str
    entries: list[Entry]


def _item(text: str) -> Entry:
    return Entry(text, "item")


def _when(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")


def header_lines(report: Report, say: Messages) -> list[str]:
    """Title, period and counts: the report's first three lines."""
    period = report.period
    return [
        say("title"),
        say(
            "period",
            since=_when(period.since),
            until=_when(period.until),
            days=period.days,
            timezone=period.timezone,
        ),
        say(
            "sessions",
            count=report.sessions_analyzed,
            read=report.sessions_read,
            skipped=len(report.files_skipped),
        ),
    ]


def _stats(report: Report, say: Messages) -> list[Entry]:
    stats = report.stats
    entries = [
        Entry(say("stats.total", count=stats.total_tasks)),
        Entry(say("stats.succeeded", count=stats.succeeded, rate=say.percent(stats.success_rate))),
        Entry(say("stats.failed", count=stats.failed)),
        Entry(say("stats.total_time", duration=say.duration(stats.total_execution_seconds))),
    ]
    if stats.timed_tasks:
        duration = say.duration(stats.average_execution_seconds)
        entries.append(
            Entry(
                say.count("stats.average_time", stats.timed_tasks, duration=duration, timed=stats.timed_tasks)
            )
        )
    if stats.unfinished_tasks:
        entries.append(Entry(say("stats.unfinished", count=stats.unfinished_tasks)))
    entries.append(Entry(say("stats.commands", count=stats.commands_run, failed=stats.commands_failed)))
    return entries


def _frequent(report: Report, say: Messages) -> list[Entry]:
    tasks = report.tasks
    entries = [
        _item(say.count("frequent.item", t.count, task_id=plain(t.task_id), count=t.count))
        for t in tasks.most_run
    ]
    entries = entries or [Entry(say("none"))]
    if tasks.slowest:
        entries.append(Entry(say("frequent.slowest")))
        entries += [
            _item(
                say.count(
                    "frequent.slow_item",
                    t.runs,
                    task_id=plain(t.task_id),
                    duration=say.duration(t.mean_seconds),
                    runs=t.runs,
                )
            )
            for t in tasks.slowest
        ]
    return entries


def _failures(report: Report, say: Messages) -> list[Entry]:
    entries = [
        _item(say.count("failures.item", t.runs, task_id=plain(t.task_id), failed=t.count, runs=t.runs))
        for t in report.tasks.most_failed
    ]
    return entries or [Entry(say("none"))]


def _productivity(report: Report, say: Messages) -> list[Entry]:
    prod = report.productivity
    duration = say.duration(prod.average_session_seconds)
    entries = [
        Entry(
            say.count(
                "productivity.session", prod.sessions_timed, duration=duration, sessions=prod.sessions_timed
            )
        )
    ]
    hours = ", ".join(say("productivity.hour", hour=h.hour, tasks=h.tasks) for h in prod.most_active_hours)
    entries.append(Entry(say("productivity.active", hours=hours or say("none"))))
    days = list(prod.by_weekday.values())
    if any(days):
        busiest = max(range(7), key=lambda i: (days[i], -i))
        entries.append(
            Entry(
                say.count(
                    "productivity.weekday", days[busiest], day=say.weekday(busiest), tasks=days[busiest]
                )
            )
        )
    counts = [prod.by_hour[str(hour)] for hour in range(24)]
    if any(counts):
        entries.append(Entry(say("productivity.by_hour"), "histogram"))
        entries += [Entry("", "hour", hour, count) for hour, count in enumerate(counts) if count]
    return entries


def _errors(report: Report, say: Messages) -> list[Entry]:
    entries = [
        _item(
            say(
                "errors.item",
                message=plain(e.message),
                count=e.count,
                tasks=", ".join(plain(t) for t in e.task_ids),
            )
        )
        for e in report.errors.repeated
    ] or [Entry(say("none"))]
    if report.errors.problem_tasks:
        entries.append(Entry(say("errors.problem")))
        entries += [
            _item(
                say.count(
                    "errors.problem_item",
                    p.runs,
                    task_id=plain(p.task_id),
                    failed=p.failed,
                    runs=p.runs,
                    rate=say.percent(p.failure_rate),
                )
            )
            for p in report.errors.problem_tasks
        ]
    return entries


def _commands(report: Report, say: Messages) -> list[Entry]:
    commands = report.commands
    if not commands.most_used:
        return [Entry(say("none"))]
    entries = [Entry(say("commands.most_used"))]
    entries += [
        _item(say.count("commands.used_item", p.count, program=plain(p.program), count=p.count))
        for p in commands.most_used
    ]
    if commands.most_failing:
        entries.append(Entry(say("commands.failing")))
        entries += [
            _item(
                say.count(
                    "commands.failing_item",
                    p.runs,
                    program=plain(p.program),
                    failed=p.failed,
                    runs=p.runs,
                    rate=say.percent(p.failure_rate),
                )
            )
            for p in commands.most_failing
        ]
    return entries


def _suggestions(report: Report, say: Messages) -> list[Entry]:
    return [_item(plain(s.message)) for s in report.suggestions] or [
        Entry(say("suggestions.none", min_tasks=THRESHOLDS["low_success_rate_min_tasks"]))
    ]


def _capped(entries: list[Entry], total: int) -> list[Entry]:
    if total > _MAX_LISTED:
        entries.append(Entry(f"… (+{total - _MAX_LISTED})"))
    return entries


def build_outline(report: Report) -> list[Section]:
    """The report's sections, in order; skipped files and notes only when there are some."""
    say = Messages(report.language)
    sections = [
        Section("stats", say("section.stats"), _stats(report, say)),
        Section("frequent", say("section.frequent"), _frequent(report, say)),
        Section("failures", say("section.failures"), _failures(report, say)),
        Section("productivity", say("section.productivity"), _productivity(report, say)),
        Section("errors", say("section.errors"), _errors(report, say)),
        Section("commands", say("section.commands"), _commands(report, say)),
        Section("suggestions", say("section.suggestions"), _suggestions(report, say)),
    ]
    skipped = report.files_skipped
    if skipped:
        entries = [
            _item(
                say(
                    "skipped.item",
                    file=plain(s.file),
                    reason=say(f"reason.{s.reason}"),
                    detail=plain(s.detail),
                )
            )
            for s in skipped[:_MAX_LISTED]
        ]
        sections.append(Section("skipped", say("section.skipped"), _capped(entries, len(skipped))))
    if report.warnings:
        entries = [_item(plain(note)) for note in report.warnings[:_MAX_LISTED]]
        sections.append(Section("notes", say("section.notes"), _capped(entries, len(report.warnings))))
    return sections
