"""The HTML report's sections: the outline's order and titles, with tables where it has lists.

The text report and this page share :func:`outline.build_outline` (the sections, their order and
titles, the suggestions and notes). Where the text report lists rankings line by line, the page
shows sortable tables (:mod:`html_tables`); its statements (execution statistics, productivity)
are the outline's sentences with their numbers grouped by thousands (``12,345``), which is why
they are phrased here from the same catalogue keys rather than taken from the outline's text.
"""

from __future__ import annotations

from collections.abc import Callable

from .html_tables import (
    command_tables,
    error_tables,
    failure_tables,
    frequent_tables,
    productivity_tables,
    skipped_table,
)
from .messages import Messages
from .outline import Section, build_outline
from .report import Report
from .svg import escape, grouped

__all__ = ["report_sections"]

_MAX_LISTED = 200  # skipped files shown, as in the text report; the JSON report has them all


def _stats(report: Report, say: Messages) -> list[str]:
    stats = report.stats
    lines = [
        say("stats.total", count=grouped(stats.total_tasks)),
        say("stats.succeeded", count=grouped(stats.succeeded), rate=say.percent(stats.success_rate)),
        say("stats.failed", count=grouped(stats.failed)),
        say("stats.total_time", duration=say.duration(stats.total_execution_seconds)),
    ]
    if stats.timed_tasks:
        duration = say.duration(stats.average_execution_seconds)
        timed = grouped(stats.timed_tasks)
        lines.append(say.count("stats.average_time", stats.timed_tasks, duration=duration, timed=timed))
    if stats.unfinished_tasks:
        lines.append(say("stats.unfinished", count=grouped(stats.unfinished_tasks)))
    lines.append(
        say("stats.commands", count=grouped(stats.commands_run), failed=grouped(stats.commands_failed))
    )
    return lines


def _productivity(report: Report, say: Messages) -> list[str]:
    prod = report.productivity
    sessions = prod.sessions_timed
    duration = say.duration(prod.average_session_seconds)
    lines = [say.count("productivity.session", sessions, duration=duration, sessions=grouped(sessions))]
    hours = ", ".join(
        say("productivity.hour", hour=h.hour, tasks=grouped(h.tasks)) for h in prod.most_active_hours
    )
    lines.append(say("productivity.active", hours=hours or say("none")))
    days = list(prod.by_weekday.values())
    if any(days):
        busiest = max(range(7), key=lambda i: (days[i], -i))
        count = days[busiest]
        lines.append(say.count("productivity.weekday", count, day=say.weekday(busiest), tasks=grouped(count)))
    return lines


def _paragraphs(lines: list[str]) -> list[str]:
    return [f"<p>{escape(line)}</p>" for line in lines]


def _tables(tables: list[str], say: Messages) -> list[str]:
    if not tables:
        return [f"<p>{escape(say('none'))}</p>"]
    return [f'<div class="tables">{"".join(tables)}</div>']


def _outline_entries(section: Section) -> list[str]:
    """A section as the outline has it: its lines as paragraphs, its items as one list."""
    parts: list[str] = []
    items: list[str] = []
    for entry in section.entries:
        if entry.kind == "item":
            items.append(f"<li>{escape(entry.text)}</li>")
            continue
        if items:
            parts.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if entry.kind == "line":
            parts.append(f"<p>{escape(entry.text)}</p>")
    if items:
        parts.append("<ul>" + "".join(items) + "</ul>")
    return parts


def _bodies(report: Report, say: Messages) -> dict[str, Callable[[Section], list[str]]]:
    skipped = report.files_skipped
    more = len(skipped) - _MAX_LISTED
    return {
        "stats": lambda _: _paragraphs(_stats(report, say)),
        "frequent": lambda _: _tables(frequent_tables(report, say), say),
        "failures": lambda _: _tables(failure_tables(report, say), say),
        "productivity": lambda _: [
            *_paragraphs(_productivity(report, say)),
            *(_tables(found, say) if (found := productivity_tables(report, say)) else []),
        ],
        "errors": lambda _: _tables(error_tables(report, say), say),
        "commands": lambda _: _tables(command_tables(report, say), say),
        "skipped": lambda _: [
            skipped_table(report, say, _MAX_LISTED),
            *([f"<p>\u2026 (+{grouped(more)})</p>"] if more > 0 else []),
        ],
    }


def report_sections(report: Report, say: Messages) -> list[str]:
    """Every section of the page, in the outline's order, as HTML (every value escaped)."""
    bodies = _bodies(report, say)
    html = []
    for section in build_outline(report):
        body = bodies.get(section.key, _outline_entries)(section)
        html.append(
            f'<section class="part" id="section-{section.key}"><h2>{escape(section.title)}</h2>\n'
            + "\n".join(body)
            + "\n</section>"
        )
    return html
