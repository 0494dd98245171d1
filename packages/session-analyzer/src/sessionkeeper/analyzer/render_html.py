"""The report as one self-contained HTML page: inline CSS, inline SVG charts, no script, no fetch.

A Content-Security-Policy that allows nothing but inline styles makes "works offline" a property
of the page, not a promise: a browser will not load anything, and would run no script even if a
hostile task id smuggled one past :func:`html.escape` (every value goes through it).
"""

from __future__ import annotations

import html

from .charts import FAILURE, NEUTRAL, bar_chart_hours, horizontal_bars, line_chart_days
from .messages import Messages, plain
from .outline import Section, build_outline, header_lines
from .report import Report

__all__ = ["render_html"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'"  # nothing loads, nothing runs
_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans KR", sans-serif; margin: 24px auto;
  max-width: 1180px; padding: 0 16px; color: #263238; background: #fafafa; }
h1 { margin: 0 0 4px; font-size: 1.6em; }
header p { margin: 2px 0; color: #546e7a; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0; }
.card { background: #fff; border: 1px solid #e0e0e0; border-radius: 8px; padding: 10px 16px;
  min-width: 150px; }
.card .value { font-size: 1.5em; font-weight: 600; }
.card .label { color: #607d8b; font-size: 0.85em; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(540px, 1fr)); gap: 16px; }
figure.chart { background: #fff; border: 1px solid #e0e0e0; border-radius: 8px; margin: 0; padding: 12px; }
figure.chart h2 { font-size: 1.05em; margin: 0 0 8px; }
figure.chart svg { width: 100%; height: auto; }
section.part { background: #fff; border: 1px solid #e0e0e0; border-radius: 8px; margin: 16px 0;
  padding: 4px 16px 12px; }
section.part h2 { font-size: 1.1em; }
section.part p { margin: 4px 0; }
section.part ul { margin: 4px 0 8px; padding-left: 22px; }
footer { color: #90a4ae; font-size: 0.8em; margin: 24px 0; }
"""


def _e(value: object) -> str:
    return html.escape(plain(str(value)), quote=True)


def _charts(report: Report, say: Messages) -> list[str]:
    prod = report.productivity
    succeeded = [prod.succeeded_by_hour[str(h)] for h in range(24)]
    failed = [prod.by_hour[str(h)] - succeeded[h] for h in range(24)]
    labels = (say("chart.succeeded"), say("chart.failed"))
    no_data = say("chart.no_data")
    days = prod.by_day
    charts = [
        (
            "by-hour",
            say("chart.by_hour"),
            bar_chart_hours(succeeded, failed, title=say("chart.by_hour"), labels=labels, no_data=no_data),
        ),
        (
            "daily",
            say("chart.daily"),
            line_chart_days(
                [d.date for d in days],
                [d.tasks for d in days],
                [d.failed for d in days],
                title=say("chart.daily"),
                labels=(say("chart.tasks"), say("chart.failed")),
                no_data=no_data,
            ),
        ),
        (
            "top",
            say("chart.top"),
            horizontal_bars(
                [(plain(t.task_id), t.count, t.count) for t in report.tasks.most_run],
                title=say("chart.top"),
                chart_id="chart-top",
                colour=NEUTRAL,
                unit=say("chart.runs"),
                no_data=no_data,
            ),
        ),
        (
            "failures",
            say("chart.failures"),
            horizontal_bars(
                [(plain(t.task_id), t.count, t.runs) for t in report.tasks.most_failed],
                title=say("chart.failures"),
                chart_id="chart-failures",
                colour=FAILURE,
                unit=say("chart.failed"),
                no_data=no_data,
            ),
        ),
    ]
    return [
        f'<figure class="chart" id="figure-{key}"><h2>{_e(title)}</h2>\n{svg}\n</figure>'
        for key, title, svg in charts
    ]


def _cards(report: Report, say: Messages) -> str:
    stats = report.stats
    cards = [
        (say("card.tasks"), str(stats.total_tasks)),
        (say("card.success_rate"), say.percent(stats.success_rate)),
        (say("card.total_time"), say.duration(stats.total_execution_seconds)),
        (say("card.commands"), str(stats.commands_run)),
    ]
    return "".join(
        f'<div class="card"><div class="value">{_e(value)}</div><div class="label">{_e(label)}</div></div>'
        for label, value in cards
    )


def _section(section: Section) -> str:
    parts = [f'<section class="part" id="section-{section.key}"><h2>{_e(section.title)}</h2>']
    items: list[str] = []

    def flush() -> None:
        if items:
            parts.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
            items.clear()

    for entry in section.entries:
        if entry.kind == "item":
            items.append(_e(entry.text))
        elif entry.kind in ("histogram", "hour"):
            continue  # the hour chart shows it
        else:
            flush()
            parts.append(f"<p>{_e(entry.text)}</p>")
    flush()
    parts.append("</section>")
    return "\n".join(parts)


def render_html(report: Report) -> str:
    """The whole page (UTF-8 text); every value from the data is escaped."""
    say = Messages(report.language)
    title, period, sessions = header_lines(report, say)
    body = [
        f"<header><h1>{_e(title)}</h1><p>{_e(period)}</p><p>{_e(sessions)}</p></header>",
        f'<div class="cards">{_cards(report, say)}</div>',
        '<div class="charts">',
        *_charts(report, say),
        "</div>",
        *(_section(section) for section in build_outline(report)),
        f"<footer>{_e(say('html.generated', generated=report.generated_at))}</footer>",
    ]
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(report.language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        f"<title>{_e(title)} · {_e(report.period.since[:10])} \u2013 {_e(report.period.until[:10])}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
