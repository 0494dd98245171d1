"""The HTML report's tables: the rankings of the report as ``<table class="sortable">``.

A table is complete HTML on its own, in the report's order (most first), so the page reads fine
without JavaScript. The page's small inline script (:mod:`html_assets`) makes the column headings
buttons that sort by the cell's ``data-value`` (the raw number, where the cell shows it formatted:
``1,234``, ``5.2 min``, ``75%``) or by its text.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from .messages import Messages, plain
from .report import Report
from .summary import WEEKDAYS
from .svg import escape, grouped

__all__ = [
    "Cell",
    "Column",
    "command_tables",
    "error_tables",
    "failure_tables",
    "frequent_tables",
    "productivity_tables",
    "skipped_table",
    "table",
]


@attrs.frozen
class Column:
    title: str
    numeric: bool = False  # sorts by the cells' numbers
    right: bool | None = (
        None  # right-aligned; by default when numeric (a weekday sorts by number, reads left)
    )


@attrs.frozen
class Cell:
    text: str  # shown (escaped on output)
    value: float | None = None  # sorts a numeric column; None sorts by the text


def _n(number: int) -> Cell:
    return Cell(grouped(number), number)


def table(
    table_id: str,
    caption: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    *,
    sorted_by: int | None = None,
    descending: bool = True,
) -> str:
    """One table; ``sorted_by`` names the column the rows come sorted by (``aria-sort``)."""
    head = []
    for index, column in enumerate(columns):
        attributes = ' scope="col"'
        if column.numeric:
            attributes += ' data-type="number"'
        if column.numeric if column.right is None else column.right:
            attributes += ' class="num"'
        if index == sorted_by:
            attributes += f' aria-sort="{"descending" if descending else "ascending"}"'
        head.append(f"<th{attributes}>{escape(column.title)}</th>")
    body = []
    for row in rows:
        cells = []
        for column, cell in zip(columns, row, strict=True):
            right = column.numeric if column.right is None else column.right
            align = ' class="num"' if right else ""
            if column.numeric and cell.value is not None:
                cells.append(f'<td{align} data-value="{cell.value!r}">{escape(cell.text)}</td>')
            else:
                cells.append(f"<td>{escape(cell.text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="table-wrap"><table class="sortable" id="{table_id}">'
        f"<caption>{escape(caption)}</caption>"
        f"<thead><tr>{''.join(head)}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody></table></div>"
    )


def frequent_tables(report: Report, say: Messages) -> list[str]:
    tasks = report.tasks
    tables = [
        table(
            "table-most-run",
            say("html.table.most_run"),
            [Column(say("html.col.task")), Column(say("html.col.runs"), numeric=True)],
            [[Cell(plain(t.task_id)), _n(t.count)] for t in tasks.most_run],
            sorted_by=1,
        )
    ]
    if tasks.slowest:
        tables.append(
            table(
                "table-slowest",
                say("html.table.slowest"),
                [
                    Column(say("html.col.task")),
                    Column(say("html.col.mean"), numeric=True),
                    Column(say("html.col.timed"), numeric=True),
                ],
                [
                    [Cell(plain(t.task_id)), Cell(say.duration(t.mean_seconds), t.mean_seconds), _n(t.runs)]
                    for t in tasks.slowest
                ],
                sorted_by=1,
            )
        )
    return tables


def _failure_columns(say: Messages, first: str) -> list[Column]:
    return [
        Column(first),
        Column(say("html.col.failed"), numeric=True),
        Column(say("html.col.runs"), numeric=True),
        Column(say("html.col.failure_rate"), numeric=True),
    ]


def _failure_row(say: Messages, name: str, failed: int, runs: int, rate: float | None) -> list[Cell]:
    return [Cell(plain(name)), _n(failed), _n(runs), Cell(say.percent(rate), rate)]


def failure_tables(report: Report, say: Messages) -> list[str]:
    failed = report.tasks.most_failed
    if not failed:
        return []
    rows = [_failure_row(say, t.task_id, t.count, t.runs, round(t.count / t.runs, 4)) for t in failed]
    return [
        table(
            "table-failures",
            say("html.table.failures"),
            _failure_columns(say, say("html.col.task")),
            rows,
            sorted_by=1,
        )
    ]


def productivity_tables(report: Report, say: Messages) -> list[str]:
    prod = report.productivity
    if not any(prod.by_hour.values()):
        return []
    weekdays = [[Cell(say.weekday(i), i), _n(prod.by_weekday[name])] for i, name in enumerate(WEEKDAYS)]
    hours = []
    for hour in range(24):
        total, ok = prod.by_hour[str(hour)], prod.succeeded_by_hour[str(hour)]
        if total:
            hours.append([Cell(f"{hour:02d}", hour), _n(total), _n(ok), _n(total - ok)])
    return [
        table(
            "table-by-weekday",
            say("html.table.by_weekday"),
            # sorted by weekday order (a number behind the name), not alphabetically
            [
                Column(say("html.col.weekday"), numeric=True, right=False),
                Column(say("html.col.tasks"), numeric=True),
            ],
            weekdays,
            sorted_by=0,
            descending=False,
        ),
        table(
            "table-by-hour",
            say("html.table.by_hour"),
            [
                Column(say("html.col.hour"), numeric=True, right=False),
                Column(say("html.col.tasks"), numeric=True),
                Column(say("html.col.succeeded"), numeric=True),
                Column(say("html.col.failed"), numeric=True),
            ],
            hours,
            sorted_by=0,
            descending=False,
        ),
    ]


def error_tables(report: Report, say: Messages) -> list[str]:
    errors = report.errors
    tables = []
    if errors.repeated:
        tables.append(
            table(
                "table-repeated-errors",
                say("html.table.repeated"),
                [
                    Column(say("html.col.error")),
                    Column(say("html.col.times"), numeric=True),
                    Column(say("html.col.tasks")),
                ],
                [
                    [Cell(plain(e.message)), _n(e.count), Cell(", ".join(plain(t) for t in e.task_ids))]
                    for e in errors.repeated
                ],
                sorted_by=1,
            )
        )
    if errors.problem_tasks:
        rows = [_failure_row(say, p.task_id, p.failed, p.runs, p.failure_rate) for p in errors.problem_tasks]
        columns = _failure_columns(say, say("html.col.task"))
        tables.append(table("table-problem-tasks", say("html.table.problem"), columns, rows, sorted_by=1))
    return tables


def command_tables(report: Report, say: Messages) -> list[str]:
    commands = report.commands
    tables = []
    if commands.most_used:
        tables.append(
            table(
                "table-commands-used",
                say("html.table.used"),
                [Column(say("html.col.program")), Column(say("html.col.runs"), numeric=True)],
                [[Cell(plain(p.program)), _n(p.count)] for p in commands.most_used],
                sorted_by=1,
            )
        )
    if commands.most_failing:
        rows = [_failure_row(say, p.program, p.failed, p.runs, p.failure_rate) for p in commands.most_failing]
        columns = _failure_columns(say, say("html.col.program"))
        tables.append(table("table-commands-failing", say("html.table.failing"), columns, rows, sorted_by=1))
    return tables


def skipped_table(report: Report, say: Messages, limit: int) -> str:
    rows = [
        [Cell(plain(s.file)), Cell(say(f"reason.{s.reason}")), Cell(plain(s.detail))]
        for s in report.files_skipped[:limit]
    ]
    columns = [Column(say("html.col.file")), Column(say("html.col.reason")), Column(say("html.col.detail"))]
    return table("table-skipped", say("html.table.skipped"), columns, rows, sorted_by=0, descending=False)
