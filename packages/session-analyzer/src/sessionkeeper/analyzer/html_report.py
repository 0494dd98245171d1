"""The report as one self-contained HTML page: inline CSS, inline SVG charts, one inline script.

Nothing is fetched — no font, stylesheet, image or script — and the Content-Security-Policy
(:mod:`html_assets`) makes that a property of the page: it allows inline styles and exactly one
script, by hash. Every value from the data is escaped with :func:`html.escape` after
:func:`messages.plain` has shown control and bidi characters as escapes.

The page is laid out for any width: the charts scale with their column (SVG ``viewBox``, ``width:
100%``), the columns wrap from two at 1280 px to one at 400 px, and wide tables scroll inside their
own box. Parts: :mod:`html_charts` (which charts, in which words), :mod:`charts`, :mod:`bars` and
:mod:`heatmap` (drawing), :mod:`html_sections` and :mod:`html_tables` (the sections below).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .html_assets import CSP, CSS, SCRIPT
from .html_charts import report_charts
from .html_sections import report_sections
from .messages import Messages, plain
from .outline import header_lines
from .report import Report
from .svg import escape, grouped

if TYPE_CHECKING:
    from .insights.model import Insights

__all__ = ["render_html"]


def _e(value: object) -> str:
    return escape(plain(str(value)))


def _cards(report: Report, say: Messages) -> str:
    stats = report.stats
    cards = [
        (say("card.tasks"), grouped(stats.total_tasks)),
        (say("card.success_rate"), say.percent(stats.success_rate)),
        (say("card.total_time"), say.duration(stats.total_execution_seconds)),
        (say("card.commands"), grouped(stats.commands_run)),
    ]
    return "".join(
        f'<div class="card"><div class="value">{_e(value)}</div><div class="label">{_e(label)}</div></div>'
        for label, value in cards
    )


def render_html(report: Report, insights: Insights | None = None) -> str:
    """The whole page (UTF-8 text); every value from the data is escaped. With ``insights``, their
    section comes after the report's own."""
    say = Messages(report.language)
    extra: list[str] = []
    if insights is not None:
        from .insights.html_section import insights_section

        extra.append(insights_section(insights, say))
    title, period, sessions = header_lines(report, say)
    figures = [
        f'<figure class="chart" id="figure-{figure.key}"><h2>{_e(figure.title)}</h2>\n{figure.svg}\n</figure>'
        for figure in report_charts(report, say)
    ]
    body = [
        f"<header><h1>{_e(title)}</h1><p>{_e(period)}</p><p>{_e(sessions)}</p></header>",
        f'<div class="cards">{_cards(report, say)}</div>',
        '<div class="charts">',
        *figures,
        "</div>",
        f'<p class="sort-hint" hidden>{_e(say("html.sort_hint"))}</p>',
        *report_sections(report, say),
        *extra,
        f"<footer>{_e(say('html.generated', generated=report.generated_at))}</footer>",
    ]
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(report.language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f"<title>{_e(title)} · {_e(report.period.since[:10])} \u2013 {_e(report.period.until[:10])}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f"\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
