"""The Task page: one task's runs, failure rate, duration trend, last errors and commands.

Its two charts are the HTML report's own (``charts.line_chart_days`` for runs and failures a day,
``html_charts.duration_by_day`` for the mean duration a day), over the last ``DAYS`` days of the task.
"""

from __future__ import annotations

from datetime import timedelta

from sessionkeeper.analyzer.charts import line_chart_days
from sessionkeeper.analyzer.dashboard.tasks import TaskHistory
from sessionkeeper.analyzer.html_charts import duration_by_day
from sessionkeeper.analyzer.svg import grouped

from .common import View, e, figure, outcome, page, section, session_href, when

__all__ = ["DAYS", "task_page"]

DAYS = 90


def _charts(view: View, history: TaskHistory) -> list[str]:
    say = view.say
    if history.last is None:
        return []
    last = history.last.astimezone(view.tz).date()
    days = [last - timedelta(days=offset) for offset in range(DAYS - 1, -1, -1)]
    counts = [history.by_day.get(day, [0, 0, 0, 0]) for day in days]
    labels = [day.isoformat() for day in days]
    daily = line_chart_days(
        labels,
        [c[0] for c in counts],
        [c[1] for c in counts],
        title=say("dash.task.daily", days=DAYS),
        labels=(say("chart.runs"), say("chart.failed")),
        counted=say.counter("chart.count_runs"),
        axes=(say("html.axis.date"), say("html.col.runs")),
        no_data=say("chart.no_data"),
    )
    means = [c[2] / c[3] / 1_000_000 if c[3] else None for c in counts]
    duration = duration_by_day(labels, means, say)
    return [
        '<div class="charts">',
        figure("task-daily", say("dash.task.daily", days=DAYS), daily),
        figure("task-duration", duration.title, duration.svg),
        "</div>",
    ]


def _runs_table(view: View, history: TaskHistory) -> str:
    say = view.say
    shown = min(len(history.latest), history.runs)
    rows = "".join(
        f"<tr><td>{e(when(view, run.at))}</td><td>{outcome(view, ok=run.ok)}</td>"
        f'<td class="num" data-value="{run.duration if run.duration is not None else -1}">'
        f"{e(say.duration(run.duration))}</td>"
        f'<td><a href="{session_href(run.session_id)}">{e(run.session_id)}</a></td>'
        f"<td>{e(run.error or '')}</td></tr>"
        for run in history.latest
    )
    head = "".join(
        f'<th scope="col"{cls}>{e(say(key))}</th>'
        for key, cls in (
            ("dash.col.when", ""),
            ("dash.col.outcome", ""),
            ("dash.col.duration", ' class="num" data-type="number"'),
            ("dash.col.session", ""),
            ("html.col.error", ""),
        )
    )
    return (
        f'<div class="table-wrap"><table class="sortable" id="table-runs"><caption>'
        f"{e(say.count('dash.task.runs', shown, count=shown))}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _commands_table(view: View, history: TaskHistory) -> str:
    say = view.say
    if not history.commands:
        return f"<p>{e(say('dash.task.no_commands'))}</p>"
    rows = "".join(
        f"<tr><td><code>{e(use.command)}</code></td>"
        f'<td class="num" data-value="{use.runs}">{grouped(use.runs)}</td>'
        f'<td class="num" data-value="{use.failed}">{grouped(use.failed)}</td></tr>'
        for use in history.commands
    )
    return (
        f'<div class="table-wrap"><table class="sortable" id="table-commands"><caption>'
        f"{e(say('dash.task.commands'))}</caption><thead><tr>"
        f'<th scope="col">{e(say("dash.col.command"))}</th>'
        f'<th scope="col" class="num" data-type="number">{e(say("html.col.runs"))}</th>'
        f'<th scope="col" class="num" data-type="number">{e(say("html.col.failed"))}</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def task_page(view: View, task_id: str, history: TaskHistory | None) -> str:
    say = view.say
    title = say("dash.task.title", task=task_id)
    if history is None:
        return page(view, title, [f"<p>{e(say('dash.task.unknown'))}</p>"], active="trends")
    rate = history.failed / history.runs if history.runs else None
    mean = history.total_seconds / history.timed if history.timed else None
    cards = [
        (say("html.col.runs"), grouped(history.runs)),
        (say("html.col.failure_rate"), say.percent(rate)),
        (say("html.col.mean"), say.duration(mean)),
        (say("dash.task.last_run"), when(view, history.last, seconds=False)),
    ]
    errors = "".join(
        f'<li><time>{e(when(view, run.at))}</time> <a href="{session_href(run.session_id)}">'
        f"{e(run.session_id)}</a><pre>{e(run.error or '')}</pre></li>"
        for run in history.errors
    )
    body = [
        '<p class="lede">'
        + e(
            say(
                "dash.task.span",
                first=when(view, history.first, seconds=False),
                last=when(view, history.last, seconds=False),
            )
        )
        + "</p>",
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="value">{e(v)}</div><div class="label">{e(k)}</div></div>'
            for k, v in cards
        )
        + "</div>",
        *_charts(view, history),
        f'<section class="part"><h2>{e(say("dash.task.errors"))}</h2>'
        + (f'<ol class="errors">{errors}</ol>' if errors else f"<p>{e(say('none'))}</p>")
        + "</section>",
        section(say("dash.task.commands"), _commands_table(view, history)),
        section(say("dash.task.runs_title"), _runs_table(view, history)),
    ]
    return page(view, title, body, active="trends")
