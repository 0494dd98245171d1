"""The Trends page: the analyzer's numbers and charts for a period, with filters.

The form is a plain ``GET`` form (it works without script): a preset period or from/to dates, a
task, an outcome, a host, a command, and an ignore-list of noise commands (the page's script
remembers the ignore-list in this browser and fills it in next time). The charts are the HTML
report's own (``html_charts.report_charts``), drawn from a report the index counted
(:mod:`..query`); the tables are the report's too, plus a table of tasks that link to their page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import attrs

from sessionkeeper.analyzer.dashboard.query import Filters
from sessionkeeper.analyzer.errors import InvalidDateError
from sessionkeeper.analyzer.html_charts import report_charts
from sessionkeeper.analyzer.html_tables import command_tables, error_tables
from sessionkeeper.analyzer.period import MAX_DAYS, Period, Zone, resolve_period
from sessionkeeper.analyzer.report import Report
from sessionkeeper.analyzer.svg import grouped

from .common import View, e, figure, href, page, section, task_href

__all__ = ["PRESETS", "TrendsQuery", "parse_query", "trends_page"]

PRESETS = {"today": 1, "7d": 7, "30d": 30, "90d": 90, "365d": 365, "all": 0}
_DEFAULT = "30d"


@attrs.frozen
class TrendsQuery:
    """The form's values, as given (echoed back into the form) and as understood."""

    values: dict[str, str]
    period: Period
    filters: Filters
    problem: str | None = None


def _ignore(text: str) -> frozenset[str]:
    return frozenset(word.strip() for word in text.replace(";", ",").split(",") if word.strip())


def parse_query(
    query: Mapping[str, str], zone: Zone, now: datetime, first_event: float | None
) -> TrendsQuery:
    """The period and filters a Trends URL asks for; a bad date falls back to the preset, and says so."""
    values = {
        key: query.get(key, "").strip()[:200]
        for key in ("preset", "from", "to", "task", "status", "host", "command", "ignore")
    }
    preset = values["preset"] if values["preset"] in PRESETS else _DEFAULT
    if values["from"] or values["to"]:
        preset = "custom"
    values["preset"] = preset
    problem = None
    end = now
    try:
        if values["to"]:
            end = datetime.combine(datetime.fromisoformat(values["to"]).date(), datetime.max.time(), zone.tz)
            end = min(end, now.astimezone(zone.tz)) if end > now else end
        if values["from"]:
            period = resolve_period(zone=zone, since=values["from"][:10], now=end)
        else:
            days = PRESETS.get(preset, 30) or _all_days(first_event, now)
            period = resolve_period(zone=zone, days=days, now=end)
    except (ValueError, InvalidDateError) as exc:
        problem = str(exc)
        period = resolve_period(zone=zone, days=30, now=now)
        values["preset"], values["from"], values["to"] = _DEFAULT, "", ""
    status = values["status"] if values["status"] in ("succeeded", "failed") else None
    filters = Filters(
        task=values["task"] or None,
        status=status,
        host=values["host"] or None,
        command=values["command"] or None,
        ignore=_ignore(values["ignore"]),
    )
    return TrendsQuery(values, period, filters, problem)


def _all_days(first_event: float | None, now: datetime) -> int:
    if first_event is None:
        return 30
    first = datetime.fromtimestamp(first_event, UTC)
    return max(1, min(MAX_DAYS, (now - first) // timedelta(days=1) + 2))


def _select(name: str, label: str, options: list[tuple[str, str]], chosen: str) -> str:
    items = "".join(
        f'<option value="{e(value)}"{" selected" if value == chosen else ""}>{e(text)}</option>'
        for value, text in options
    )
    return f'<label>{e(label)}<select name="{name}">{items}</select></label>'


def _form(view: View, query: TrendsQuery, choices: dict[str, list[str]]) -> str:
    say, values = view.say, query.values
    presets = [(key, say(f"dash.preset.{key}")) for key in PRESETS]
    if values["preset"] == "custom":
        presets.append(("custom", say("dash.preset.custom")))
    lists = "".join(
        f'<datalist id="list-{name}">'
        + "".join(f'<option value="{e(v)}">' for v in choices[name][:500])
        + "</datalist>"
        for name in ("task", "command")
    )
    hosts = [("", say("dash.filter.any")), *((h, h) for h in choices["host"])]
    statuses = [
        ("", say("dash.filter.any")),
        ("succeeded", say("chart.succeeded")),
        ("failed", say("chart.failed")),
    ]
    fields = [
        _select("preset", say("dash.filter.period"), presets, values["preset"]),
        f"<label>{e(say('dash.filter.from'))}"
        f'<input type="date" name="from" value="{e(values["from"])}"></label>',
        f'<label>{e(say("dash.filter.to"))}<input type="date" name="to" value="{e(values["to"])}"></label>',
        f"<label>{e(say('dash.filter.task'))}"
        f'<input name="task" list="list-task" value="{e(values["task"])}"></label>',
        _select("status", say("dash.filter.status"), statuses, values["status"]),
        _select("host", say("dash.filter.host"), hosts, values["host"]),
        f'<label>{e(say("dash.filter.command"))}<input name="command" list="list-command" '
        f'value="{e(values["command"])}"></label>',
        f'<label class="wide">{e(say("dash.filter.ignore"))}<input name="ignore" id="ignore" '
        f'placeholder="ls, git" value="{e(values["ignore"])}"></label>',
    ]
    return (
        f'<form class="filters" method="get" action="/trends" role="search">{"".join(fields)}{lists}'
        f'<button type="submit">{e(say("dash.filter.apply"))}</button>'
        f'<a class="reset" href="/trends">{e(say("dash.filter.reset"))}</a></form>'
    )


def _cards(view: View, report: Report) -> str:
    say, stats = view.say, report.stats
    cards = [
        (say("card.tasks"), grouped(stats.total_tasks)),
        (say("card.success_rate"), say.percent(stats.success_rate)),
        (say("card.total_time"), say.duration(stats.total_execution_seconds)),
        (say("card.commands"), grouped(stats.commands_run)),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="value">{e(v)}</div><div class="label">{e(k)}</div></div>'
            for k, v in cards
        )
        + "</div>"
    )


def _tasks_table(view: View, report: Report) -> str:
    say = view.say
    failed = {t.task_id: t.count for t in report.tasks.most_failed}
    mean = {t.task_id: t.mean_seconds for t in report.tasks.slowest}
    rows = []
    for task in report.tasks.most_run:
        bad = failed.get(task.task_id, 0)
        rate = bad / task.count if task.count else 0.0
        rows.append(
            f'<tr><td><a href="{task_href(task.task_id)}">{e(task.task_id)}</a></td>'
            f'<td class="num" data-value="{task.count}">{grouped(task.count)}</td>'
            f'<td class="num" data-value="{bad}">{grouped(bad)}</td>'
            f'<td class="num" data-value="{rate!r}">{e(say.percent(rate))}</td>'
            f'<td class="num">{e(say.duration(mean.get(task.task_id)))}</td></tr>'
        )
    numeric = ' class="num" data-type="number"'
    head = (
        "".join(
            f'<th scope="col"{numeric if i else ""}>{e(say(k))}</th>'
            for i, k in enumerate(
                ("html.col.task", "html.col.runs", "html.col.failed", "html.col.failure_rate")
            )
        )
        + f'<th scope="col" class="num">{e(say("html.col.mean"))}</th>'
    )
    return (
        f'<div class="table-wrap"><table class="sortable" id="table-tasks"><caption>'
        f"{e(say('dash.trends.tasks'))}</caption><thead><tr>{head}</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )


def trends_page(
    view: View, query: TrendsQuery, report: Report | None, choices: dict[str, list[str]], progress: str | None
) -> str:
    say = view.say
    body = [_form(view, query, choices)]
    if query.problem:
        body.append(f'<p class="problem" role="alert">{e(query.problem)}</p>')
    if report is None:
        body.append(f'<p class="indexing" id="indexing" role="status">{e(progress or "")}</p>')
        return page(view, say("dash.trends.title"), body, active="trends")
    period = report.period
    body.append(
        '<p class="lede">'
        + e(
            say(
                "dash.trends.covers",
                since=period.since[:10],
                until=period.until[:10],
                days=period.days,
                zone=period.timezone,
            )
        )
        + " "
        + e(
            say(
                "sessions",
                count=grouped(report.sessions_analyzed),
                read=grouped(report.sessions_read),
                skipped=len(report.files_skipped),
            )
        )
        + "</p>"
    )
    body.append(_cards(view, report))
    figures = [figure(f.key, f.title, f.svg) for f in report_charts(report, say)]
    body += ['<div class="charts">', *figures, "</div>"]
    tables = [_tasks_table(view, report), *error_tables(report, say), *command_tables(report, say)]
    body.append(section(say("dash.trends.details"), f'<div class="tables">{"".join(tables)}</div>'))
    if view.insights:
        link = href("/insights", {k: v for k, v in query.values.items() if k in ("preset", "from", "to")})
        body.append(f'<p><a href="{link}">{e(say("dash.insights.link"))}</a></p>')
    return page(view, say("dash.trends.title"), body, active="trends")
