"""The insights as a section of the HTML report: statements, sortable tables and a weekday x hour
grid of success rates (an HTML table with inline colours: no script, nothing fetched, and readable
without colour — every cell shows its rate and, on hover, its runs and 90% interval).

Every value from the data is escaped (``plain`` first, then ``escape``), as in the rest of the page.
"""

from __future__ import annotations

from sessionkeeper.analyzer.html_tables import Cell, Column, table
from sessionkeeper.analyzer.messages import Messages, plain
from sessionkeeper.analyzer.svg import escape, grouped

from .model import Insights, Subject
from .text_section import insight_lines, model_lines

__all__ = ["insights_section"]

_ROWS = 50  # rows per table; the JSON report has every one
_FEW = 5  # cells with fewer runs are drawn pale


def _subject_rows(subjects: list[Subject], say: Messages) -> list[list[Cell]]:
    rows = []
    for s in subjects[:_ROWS]:
        d = s.duration
        coverage = d.backtest_coverage
        rows.append(
            [
                Cell(plain(s.name)),
                Cell(say.percent(s.risk.probability), s.risk.probability),
                Cell(f"{s.risk.recent_failed}/{s.risk.recent_runs}", s.risk.recent_failed),
                Cell(
                    say.duration(d.p50_seconds) if d.p50_seconds is not None else say("insights.unknown"),
                    d.p50_seconds,
                ),
                Cell(
                    say.duration(d.p90_seconds) if d.p90_seconds is not None else say("insights.unknown"),
                    d.p90_seconds,
                ),
                Cell(grouped(s.runs), s.runs),
                Cell(say.percent(coverage), coverage),
            ]
        )
    return rows


def _subject_table(table_id: str, caption: str, subjects: list[Subject], say: Messages) -> str:
    columns = [
        Column(say("insights.html.col.name")),
        Column(say("insights.html.col.risk"), numeric=True),
        Column(say("insights.html.col.recent"), numeric=True),
        Column(say("insights.html.col.p50"), numeric=True),
        Column(say("insights.html.col.p90"), numeric=True),
        Column(say("insights.html.col.runs"), numeric=True),
        Column(say("insights.html.col.coverage"), numeric=True),
    ]
    return table(table_id, caption, columns, _subject_rows(subjects, say), sorted_by=1)


def _tables(insights: Insights, say: Messages) -> list[str]:
    tables = []
    if insights.tasks:
        tables.append(
            _subject_table("table-insights-tasks", say("insights.html.table.tasks"), insights.tasks, say)
        )
    if insights.commands:
        tables.append(
            _subject_table(
                "table-insights-commands", say("insights.html.table.commands"), insights.commands, say
            )
        )
    if insights.flaky:
        tables.append(
            table(
                "table-insights-flaky",
                say("insights.html.table.flaky"),
                [
                    Column(say("insights.html.col.name")),
                    Column(say("insights.html.col.flips"), numeric=True),
                    Column(say("insights.html.col.runs"), numeric=True),
                    Column(say("insights.html.col.flip_rate"), numeric=True),
                    Column(say("insights.html.col.entropy"), numeric=True),
                    Column(say("insights.html.col.confidence"), numeric=True),
                ],
                [
                    [
                        Cell(
                            plain(f.name) + " " + "".join("\u2713" if r.success else "\u2717" for r in f.runs)
                        ),
                        Cell(grouped(f.flips), f.flips),
                        Cell(grouped(f.evidence.runs), f.evidence.runs),
                        Cell(
                            f"{f.flip_rate:.2f} ({f.flip_rate_low:.2f}\u2013{f.flip_rate_high:.2f})",
                            f.flip_rate,
                        ),
                        Cell(f"{f.entropy:.2f}", f.entropy),
                        Cell(say.percent(f.confidence), f.confidence),
                    ]
                    for f in insights.flaky[:_ROWS]
                ],
                sorted_by=3,
            )
        )
    if insights.drift:
        tables.append(
            table(
                "table-insights-drift",
                say("insights.html.table.drift"),
                [
                    Column(say("insights.html.col.name")),
                    Column(say("insights.html.col.changed")),
                    Column(say("insights.html.col.ratio"), numeric=True),
                    Column(say("insights.html.col.before"), numeric=True),
                    Column(say("insights.html.col.after"), numeric=True),
                    Column(say("insights.html.col.confidence"), numeric=True),
                ],
                [
                    [
                        Cell(plain(d.name)),
                        Cell(d.changed_at[:10]),
                        Cell(f"{d.ratio:.2f}\u00d7", d.ratio),
                        Cell(say.duration(d.median_before_seconds), d.median_before_seconds),
                        Cell(say.duration(d.median_after_seconds), d.median_after_seconds),
                        Cell(say.percent(d.confidence), d.confidence),
                    ]
                    for d in insights.drift[:_ROWS]
                ],
                sorted_by=1,
            )
        )
    if insights.anomalies:
        tables.append(
            table(
                "table-insights-anomalies",
                say("insights.html.table.anomalies"),
                [
                    Column(say("insights.html.col.name")),
                    Column(say("insights.html.col.when")),
                    Column(say("insights.html.col.duration"), numeric=True),
                    Column(say("insights.html.col.median"), numeric=True),
                    Column(say("insights.html.col.z"), numeric=True),
                ],
                [
                    [
                        Cell(plain(a.name)),
                        Cell(a.run.at[:16].replace("T", " ")),
                        Cell(say.duration(a.run.duration_seconds), a.run.duration_seconds),
                        Cell(say.duration(a.median_seconds), a.median_seconds),
                        Cell(f"{a.robust_z:.1f}", a.robust_z),
                    ]
                    for a in insights.anomalies[:_ROWS]
                ],
                sorted_by=1,
            )
        )
    return tables


def _heatmap(insights: Insights, say: Messages) -> str:
    cells = {(c.weekday, c.hour): c for c in insights.productive_hours.cells}
    if not cells:
        return ""
    head = "".join(f'<th scope="col">{h:02d}</th>' for h in range(24))
    rows = []
    for day in range(7):
        row = [f'<th scope="row">{escape(say(f"html.weekday.{day}"))}</th>']
        for hour in range(24):
            cell = cells.get((day, hour))
            if cell is None:
                row.append("<td></td>")
                continue
            tip = say(
                "insights.html.cell",
                day=say(f"html.weekday.{day}"),
                hour=hour,
                succeeded=grouped(cell.succeeded),
                runs=grouped(cell.runs),
                rate=say.percent(cell.success_rate),
                low=say.percent(cell.low),
                high=say.percent(cell.high),
            )
            alpha = 0.15 + 0.85 * cell.success_rate
            pale = cell.runs < _FEW
            style = f"background:rgba(0,114,178,{alpha * (0.35 if pale else 1):.2f})"
            style += ";color:#fff" if alpha > 0.6 and not pale else ""
            row.append(
                f'<td class="heat{" few" if pale else ""}" style="{style}" title="{escape(tip)}" '
                f'data-runs="{cell.runs}">{round(cell.success_rate * 100)}</td>'
            )
        rows.append("<tr>" + "".join(row) + "</tr>")
    return (
        f'<figure class="chart" id="figure-insights-hours"><h2>{escape(say("insights.html.heatmap"))}</h2>'
        '<div class="table-wrap"><table class="heatgrid" style="font-size:11px;border-collapse:collapse;'
        'text-align:center"><thead><tr><th></th>'
        + head
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div></figure>"
    )


def insights_section(insights: Insights, say: Messages) -> str:
    """The ``<section id="section-insights">`` of the page (every value escaped): what was learned
    from and how well the models did, the tables, the weekday x hour grid, the suggestions."""
    learned = insight_lines(insights, say)[0][1]
    body = [f"<p>{escape(learned)}</p>"]
    for kind in ("task", "command"):
        info = insights.models.get(kind)
        if info is not None and info.trained_runs:
            body += [f"<p>{escape(line.strip())}</p>" for line in model_lines(kind, info, say)]
    tables = _tables(insights, say)
    if tables:
        body.append(f'<div class="tables">{"".join(tables)}</div>')
    heatmap = _heatmap(insights, say)
    if heatmap:
        body.append(heatmap)
    if insights.suggestions:
        items = "".join(f"<li>{escape(plain(s.message))}</li>" for s in insights.suggestions)
        body.append(f"<h3>{escape(say('insights.suggestions'))}</h3><ul>{items}</ul>")
    return (
        f'<section class="part" id="section-insights"><h2>{escape(say("insights.section"))}</h2>\n'
        + "\n".join(body)
        + "\n</section>"
    )
