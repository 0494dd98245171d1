"""The HTML report's charts, from the report's numbers: which chart shows what, in which words.

:mod:`charts`, :mod:`bars` and :mod:`heatmap` draw; this module chooses the data and formats every
number and label in the report's language (``1,234``, ``1/1`` for a task that failed its only run,
``5.2 min``), so the drawing modules know nothing of languages.
"""

from __future__ import annotations

from datetime import date, timedelta

import attrs

from .bars import Bar, horizontal_bars
from .charts import bar_chart_hours, line_chart_days
from .heatmap import heatmap
from .messages import Messages, plain
from .report import DayCount, Report
from .svg import NEUTRAL, SLOW, grouped

__all__ = ["ChartFigure", "calendar_heatmap", "report_charts"]

_MAX_WEEKS = 53  # a calendar wider than a year has cells too thin to see; the last year is shown


@attrs.frozen
class ChartFigure:
    key: str  # the figure's id is "figure-<key>"
    title: str
    svg: str


def calendar_heatmap(days: list[DayCount], say: Messages) -> ChartFigure:
    """Tasks per local day as weekday rows by week columns (Monday first), the last year at most."""
    title = say("html.chart.calendar")
    if len(days) > _MAX_WEEKS * 7:
        days = days[-(_MAX_WEEKS - 1) * 7 :]
        title = say("html.chart.calendar_recent", weeks=_MAX_WEEKS - 1)
    rows = [say(f"html.weekday.{i}") for i in range(7)]
    if not days:
        svg = heatmap(
            [],
            rows=rows,
            columns=[],
            title=title,
            chart_id="chart-calendar",
            unit=say("chart.tasks"),
            no_data=say("chart.no_data"),
        )
        return ChartFigure("calendar", title, svg)
    first = date.fromisoformat(days[0].date)
    offset = first.weekday()
    weeks = (offset + len(days) + 6) // 7
    cells: list[list[int | None]] = [[None] * weeks for _ in range(7)]
    for index, day in enumerate(days):
        position = offset + index
        cells[position % 7][position // 7] = day.tasks
    monday = first - timedelta(days=offset)
    columns = [
        say("html.week_of", date=(monday + timedelta(weeks=week)).isoformat()[5:]) for week in range(weeks)
    ]
    svg = heatmap(
        cells,
        rows=rows,
        columns=columns,
        labels=[(monday + timedelta(weeks=week)).isoformat()[5:] for week in range(weeks)],
        title=title,
        chart_id="chart-calendar",
        unit=say("chart.tasks"),
        no_data=say("chart.no_data"),
    )
    return ChartFigure("calendar", title, svg)


def _ranked(report: Report, say: Messages) -> list[ChartFigure]:
    no_data = say("chart.no_data")
    top = [
        Bar(
            plain(t.task_id),
            t.count,
            grouped(t.count),
            say("html.runs_tip", task_id=plain(t.task_id), runs=grouped(t.count)),
        )
        for t in report.tasks.most_run
    ]
    failures = [
        Bar(
            plain(t.task_id),
            t.count,
            f"{grouped(t.count)}/{grouped(t.runs)}",  # failed of runs: "1/1" when it never succeeded
            say(
                "html.failed_of_runs", task_id=plain(t.task_id), failed=grouped(t.count), runs=grouped(t.runs)
            ),
            whole=t.runs,
        )
        for t in report.tasks.most_failed
    ]
    slowest = [
        Bar(
            plain(t.task_id),
            t.mean_seconds,
            say.duration(t.mean_seconds),
            say(
                "html.slow_tip",
                task_id=plain(t.task_id),
                duration=say.duration(t.mean_seconds),
                runs=grouped(t.runs),
            ),
        )
        for t in report.tasks.slowest
    ]
    return [
        ChartFigure(
            "top",
            say("chart.top"),
            horizontal_bars(
                top, title=say("chart.top"), chart_id="chart-top", colour=NEUTRAL, no_data=no_data
            ),
        ),
        ChartFigure(
            "failures",
            say("chart.failures"),
            horizontal_bars(
                failures,
                title=say("chart.failures"),
                chart_id="chart-failures",
                colour="hatch",
                no_data=no_data,
                legend=(say("chart.failed"), say("html.legend.runs")),
            ),
        ),
        ChartFigure(
            "slowest",
            say("html.chart.slowest"),
            horizontal_bars(
                slowest,
                title=say("html.chart.slowest"),
                chart_id="chart-slowest",
                colour=SLOW,
                no_data=no_data,
            ),
        ),
    ]


def report_charts(report: Report, say: Messages) -> list[ChartFigure]:
    """Every chart of the page, in order: when (hour, day, weekday), then what (ranked tasks)."""
    prod = report.productivity
    succeeded = [prod.succeeded_by_hour[str(h)] for h in range(24)]
    failed = [prod.by_hour[str(h)] - succeeded[h] for h in range(24)]
    outcome = (say("chart.succeeded"), say("chart.failed"))
    no_data = say("chart.no_data")
    days = prod.by_day
    hours = bar_chart_hours(
        succeeded,
        failed,
        title=say("chart.by_hour"),
        labels=outcome,
        axes=(say("html.axis.hour"), say("html.axis.tasks")),
        no_data=no_data,
    )
    daily = line_chart_days(
        [d.date for d in days],
        [d.tasks for d in days],
        [d.failed for d in days],
        title=say("chart.daily"),
        labels=(say("chart.tasks"), say("chart.failed")),
        axes=(say("html.axis.date"), say("html.axis.tasks")),
        no_data=no_data,
    )
    return [
        ChartFigure("by-hour", say("chart.by_hour"), hours),
        ChartFigure("daily", say("chart.daily"), daily),
        calendar_heatmap(days, say),
        *_ranked(report, say),
    ]
