"""The HTML report's charts, from the report's numbers: which chart shows what, in which words.

:mod:`charts`, :mod:`bars` and :mod:`heatmap` draw; this module chooses the data and formats every
number and label in the report's language (``1,234``, ``1/1`` for a task that failed its only run,
``5.2 min``), so the drawing modules know nothing of languages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import attrs

from .bars import Bar, horizontal_bars
from .charts import bar_chart_hours, duration_trend, line_chart_days
from .heatmap import heatmap
from .messages import Messages, plain
from .report import DayCount, DayDuration, Report
from .summary import WEEKDAYS
from .svg import NEUTRAL, SLOW, grouped

__all__ = ["ChartFigure", "calendar_heatmap", "duration_by_day", "report_charts", "weekday_hour_heatmap"]

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
            counted=say.counter("chart.count_tasks"),
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
        counted=say.counter("chart.count_tasks"),
        no_data=say("chart.no_data"),
    )
    return ChartFigure("calendar", title, svg)


def weekday_hour_heatmap(cells: Sequence[Sequence[int]], say: Messages) -> ChartFigure:
    """Tasks by local weekday (rows, Monday first) and hour (24 columns)."""
    title = say("html.chart.weekday_hour")
    svg = heatmap(
        cells,
        rows=[say(f"html.weekday.{i}") for i in range(7)],
        columns=[say("html.hour", hour=hour) for hour in range(24)],
        labels=[f"{hour:02d}" for hour in range(24)],
        title=title,
        chart_id="chart-weekday-hour",
        counted=say.counter("chart.count_tasks"),
        no_data=say("chart.no_data"),
        # 24 columns leave cells 16 units wide; rows of 24 make the map as tall as the hour
        # chart it stands beside on a wide page, instead of leaving a third of its box empty
        row_height=24.0,
    )
    return ChartFigure("weekday-hour", title, svg)


def duration_by_day(days: Sequence[str], seconds: Sequence[float | None], say: Messages) -> ChartFigure:
    """Each local day's mean duration of its timed runs (``None``: no timed run that day)."""
    title = say("html.chart.duration")
    peak = max((value for value in seconds if value is not None), default=0.0)
    unit, unit_seconds = (
        ("hours", 3600) if peak >= 7200 else ("minutes", 60) if peak >= 120 else ("seconds", 1)
    )
    unit_name = say(f"unit.{unit}", value="").strip()  # "min" / "분": the unit without a number
    svg = duration_trend(
        days,
        seconds,
        title=title,
        label=say("html.legend.duration"),
        axes=(say("html.axis.date"), say("html.axis.duration", unit=unit_name)),
        unit_seconds=unit_seconds,
        duration=say.duration,
        no_data=say("chart.no_data"),
    )
    return ChartFigure("duration", title, svg)


def _ranked(report: Report, say: Messages) -> list[ChartFigure]:
    no_data = say("chart.no_data")
    top = [
        Bar(
            plain(t.task_id),
            t.count,
            grouped(t.count),
            say.count("html.runs_tip", t.count, task_id=plain(t.task_id), runs=grouped(t.count)),
        )
        for t in report.tasks.most_run
    ]
    failures = [
        Bar(
            plain(t.task_id),
            t.count,
            f"{grouped(t.count)}/{grouped(t.runs)}",  # failed of runs: "1/1" when it never succeeded
            say.count(
                "html.failed_of_runs",
                t.runs,
                task_id=plain(t.task_id),
                failed=grouped(t.count),
                runs=grouped(t.runs),
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
            say.count(
                "html.slow_tip",
                t.runs,
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
    """Every chart of the page, in order: when (hour, weekday, day), then what (ranked tasks)."""
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
        counted=say.counter("chart.count_tasks"),
        axes=(say("html.axis.date"), say("html.axis.tasks")),
        no_data=no_data,
    )
    # two columns on a wide page: hours beside weekday x hour, the two daily trends side by side
    return [
        ChartFigure("by-hour", say("chart.by_hour"), hours),
        weekday_hour_heatmap([prod.by_weekday_hour[name] for name in WEEKDAYS], say),
        ChartFigure("daily", say("chart.daily"), daily),
        duration_by_day(
            [d.date for d in prod.duration_by_day], [_mean(d) for d in prod.duration_by_day], say
        ),
        calendar_heatmap(days, say),
        *_ranked(report, say),
    ]


def _mean(day: DayDuration) -> float | None:
    """The day's mean duration of its timed runs; None (a gap in the line) when none was timed."""
    return day.total_execution_seconds / day.timed_tasks if day.timed_tasks else None
