"""Text and HTML reports: the guide's sections in order, both languages, escaping, self-contained HTML."""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest

from sessionkeeper.analyzer import Report, analyze, render_html, render_text, resolve_period, resolve_zone
from sessionkeeper.analyzer.charts import day_ticks
from sessionkeeper.analyzer.html_charts import duration_by_day, weekday_hour_heatmap
from sessionkeeper.analyzer.messages import CATALOGUE, Messages
from sessionkeeper.core import CommandExecuted, Event, TaskCompleted, TaskStarted
from tests.analyzer.conftest import ONE_WITH_A_PLURAL, utc

Record = Callable[[Sequence[Event]], str]
NOW = utc(2025, 10, 22, 12, 0, 0)
EN_SECTIONS = [
    "[Execution statistics]",
    "[Frequent tasks]",
    "[Failures]",
    "[Productivity]",
    "[Error patterns]",
    "[Suggestions]",
]
KO_SECTIONS = ["[실행 통계]", "[자주 실행한 작업]", "[실패한 작업]", "[생산성]", "[에러 패턴]", "[개선 제안]"]
HOSTILE = '<script>alert("x")</script>\u202e&amp;'
CHARTS = (
    "chart-by-hour",
    "chart-weekday-hour",
    "chart-daily",
    "chart-duration",
    "chart-calendar",
    "chart-top",
    "chart-failures",
    "chart-slowest",
)


def _report(data_dir: Path, language: str = "en", tz: str = "UTC") -> Report:
    period = resolve_period(zone=resolve_zone(tz), days=30, now=NOW)
    return analyze(data_dir, period, language=language, now=NOW)


@pytest.fixture
def busy(record: Record, data_dir: Path) -> Path:
    events: list[Event] = []
    for i in range(12):
        failed = i % 3 == 0
        events += [
            TaskStarted(task_id="FIX-DB" if failed else f"TEST-{i % 2}", at=utc(2025, 10, 20, 9, i, 0)),
            TaskCompleted(
                task_id="FIX-DB" if failed else f"TEST-{i % 2}",
                success=not failed,
                duration=60.0 * (i + 1),
                error="connection refused on port 5432" if failed else None,
                at=utc(2025, 10, 20, 9 + i % 2, i, 30),
            ),
            CommandExecuted(command="pytest -q", exit_code=int(failed), at=utc(2025, 10, 20, 9, i, 10)),
        ]
    events.append(TaskCompleted(task_id=HOSTILE, success=False, error=HOSTILE, at=utc(2025, 10, 21, 3, 0, 0)))
    events.append(TaskCompleted(task_id=HOSTILE, success=False, error=HOSTILE, at=utc(2025, 10, 21, 4, 0, 0)))
    record(events)
    return data_dir


def _positions(text: str, headings: list[str]) -> list[int]:
    return [text.index(heading) for heading in headings]


def test_text_report_has_the_guides_sections_in_order_in_english(busy: Path) -> None:
    text = render_text(_report(busy))
    positions = _positions(text, EN_SECTIONS)
    assert positions == sorted(positions)
    assert "Total tasks: 14\n" in text
    assert "Succeeded: 8 (57%)\n" in text
    assert "- FIX-DB failed 4 of 4 runs \u2014 look for the root cause" in text
    assert "\u202e" not in text  # shown as an escape, not obeyed by the terminal
    assert "\\u202e" in text


def test_text_report_in_korean_follows_the_guides_example(busy: Path) -> None:
    text = render_text(_report(busy, "ko"))
    positions = _positions(text, KO_SECTIONS)
    assert positions == sorted(positions)
    assert "[실행 통계]\n총 작업 수: 14\n성공: 8 (57%)\n실패: 6\n총 실행 시간: " in text
    assert "- TEST-0: 4회" in text
    assert "- FIX-DB 작업이 4회 중 4회 실패 - 근본 원인 분석 필요" in text


@pytest.mark.parametrize("language", ["en", "ko"])
def test_an_empty_period_suggests_nothing_and_warns_of_nothing(data_dir: Path, language: str) -> None:
    data_dir.mkdir()
    report = _report(data_dir, language)
    assert report.suggestions == []
    assert report.stats.success_rate is None
    assert report.stats.average_execution_seconds is None
    assert report.productivity.average_session_seconds is None
    text = render_text(report)
    headings = EN_SECTIONS if language == "en" else KO_SECTIONS
    assert _positions(text, headings) == sorted(_positions(text, headings))
    assert "success rate" not in text.lower()
    assert "성공률" not in text
    assert ("Succeeded: 0 (n/a)" if language == "en" else "성공: 0 (해당 없음)") in text
    page = render_html(report)
    assert page.count("<svg") == len(CHARTS)  # the charts are there, saying there is no data
    assert page.count(Messages(language)("chart.no_data")) == len(CHARTS)


def test_both_catalogues_have_the_same_keys_and_fields() -> None:
    english, korean = CATALOGUE["en"], CATALOGUE["ko"]

    def plain_keys(table: dict[str, str]) -> set[str]:
        return {key for key in table if not key.endswith(".one")}

    # Singulars (key.one) only where a language inflects for number: Korean lists none it needs.
    assert plain_keys(english) == plain_keys(korean)

    def fields(text: str) -> set[str]:
        return set(re.findall(r"{(\w+)", text))

    for table in (english, korean):
        for key in table.keys() - plain_keys(table):  # a singular may leave its number out
            base = key.removesuffix(".one")
            assert base in table, key
            assert fields(table[key]) <= fields(table[base]), key
    for key in plain_keys(english):
        assert fields(english[key]) == fields(korean[key]), key


def test_a_language_without_a_singular_uses_its_one_form_for_every_count() -> None:
    korean, english = Messages("ko"), Messages("en")
    assert korean.count("failures.item", 1, task_id="t", failed=1, runs=1) == "t: 1회 중 1회 실패"
    assert english.count("failures.item", 1, task_id="t", failed=1, runs=1) == "t: 1 of 1 run failed"
    assert english.count("failures.item", 2, task_id="t", failed=1, runs=2) == "t: 1 of 2 runs failed"


def test_html_is_one_self_contained_file_with_every_value_escaped(busy: Path) -> None:
    page = render_html(_report(busy))
    assert len(page.encode()) < 1_000_000
    assert page.count("<script") == 1  # the page's own; the hostile id only as text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&amp;amp;" in page  # escaped once more, never decoded
    assert "\u202e" not in page
    # nothing to fetch: no URL but the SVG namespace, no external stylesheet, image or font
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {"http://www.w3.org/2000/svg"}
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page)
    assert "Content-Security-Policy" in page
    for chart in CHARTS:
        assert f'id="{chart}"' in page


def test_html_stays_small_on_a_long_period(busy: Path) -> None:
    period = resolve_period(zone=resolve_zone("UTC"), since="2000-01-01", now=NOW)
    page = render_html(analyze(busy, period, now=NOW))
    assert period.days > 9000
    assert len(page.encode()) < 1_000_000
    assert "Tasks by weekday and week (the last 52 weeks)" in page  # not 1,300 columns of slivers
    assert len(re.findall(r'data-count="', _svg(page, "chart-calendar"))) == 52 * 7


# -- the HTML report's charts and tables -----------------------------------------------------------


def _svg(page: str, chart_id: str) -> str:
    start = page.index(f'id="{chart_id}"')
    return page[start : page.index("</svg>", start)]


def _table(page: str, table_id: str) -> str:
    start = page.index(f'id="{table_id}"')
    return page[start : page.index("</table>", start)]


def _runs(task_id: str, outcomes: Sequence[bool], day: int = 20) -> list[Event]:
    return [
        TaskCompleted(
            task_id=task_id, success=ok, error=None if ok else "boom", at=utc(2025, 10, day, 9, i, 0)
        )
        for i, ok in enumerate(outcomes)
    ]


def test_failures_chart_says_failed_of_runs_even_when_every_run_failed(
    record: Record, data_dir: Path
) -> None:
    record([*_runs("ALWAYS", [False] * 4), *_runs("ONCE", [False]), *_runs("FLAKY", [True, False, True])])
    svg = _svg(render_html(_report(data_dir)), "chart-failures")
    assert re.findall(r'class="bar-value"[^>]*>([^<]+)<', svg) == ["4/4", "1/3", "1/1"]
    assert "ONCE: 1 of 1 run failed" in svg  # the tooltip says it in words, singular for one run
    assert "ALWAYS: 4 of 4 runs failed" in svg


def test_a_count_of_one_reads_in_the_singular(record: Record, data_dir: Path) -> None:
    record(_runs("ONCE", [False]))
    report = _report(data_dir)
    text, page = render_text(report), render_html(report)
    assert "ONCE: 1 of 1 run failed" in text
    assert "ONCE: 1 run" in page  # the most-run chart's tooltip
    for output in (text, page):
        found = ONE_WITH_A_PLURAL.search(output)
        assert found is None, output[max(0, found.start() - 200) : found.end() + 50]


@pytest.mark.parametrize(("language", "total"), [("en", "Total tasks: 1,234"), ("ko", "총 작업 수: 1,234")])
def test_large_numbers_have_thousands_separators(
    record: Record, data_dir: Path, language: str, total: str
) -> None:
    bulk = [
        TaskCompleted(task_id="BULK", success=True, at=utc(2025, 10, 20, 9, i // 60, i % 60))
        for i in range(1234)
    ]
    record(bulk)
    page = render_html(_report(data_dir, language))
    assert total in page
    assert '<div class="value">1,234</div>' in page  # the card
    assert '<td class="num" data-value="1234">1,234</td>' in _table(page, "table-most-run")
    assert ">1,234<" in _svg(page, "chart-top")
    assert ">1,234<" in _svg(page, "chart-calendar")  # the busiest cell, numbered
    assert re.search(r">1,?234 (tasks|작업)<", _svg(page, "chart-calendar"))  # the scale's top
    assert not re.search(r">\s*1234\b", page)  # never shown without the separator


@pytest.mark.parametrize(
    ("days", "count", "first"),
    [(7, 7, "10-16"), (14, 7, "10-09"), (30, 5, "09-23"), (90, 7, "07-25"), (400, 6, "2024-09-18")],
)
def test_trend_x_labels_are_spaced_evenly_and_dated(days: int, count: int, first: str) -> None:
    end = date(2025, 10, 22)
    dates = [(end - timedelta(days=days - 1 - i)).isoformat() for i in range(days)]
    ticks = day_ticks(dates)
    assert len(ticks) == count
    assert ticks[0] == (0, first)
    gaps = {b[0] - a[0] for a, b in itertools.pairwise(ticks)}
    assert len(gaps) == 1  # evenly spaced


@pytest.mark.parametrize(("language", "titles"), [("en", ["Date", "Tasks"]), ("ko", ["날짜", "작업 수"])])
def test_trend_and_hour_charts_have_axis_titles(busy: Path, language: str, titles: list[str]) -> None:
    page = render_html(_report(busy, language))
    for chart in ("chart-daily", "chart-by-hour"):
        found = re.findall(r'class="axis-title"[^>]*>([^<]+)<', _svg(page, chart))
        assert len(found) == 2
        assert found[1] == titles[1]
    assert re.findall(r'class="axis-title"[^>]*>([^<]+)<', _svg(page, "chart-daily"))[0] == titles[0]
    ticks = re.findall(r'class="x-tick"[^>]*>([^<]+)<', _svg(page, "chart-daily"))
    assert ticks == ["09-23", "09-30", "10-07", "10-14", "10-21"]


def test_success_and_failure_differ_by_more_than_colour_in_a_colour_blind_safe_palette(busy: Path) -> None:
    page = render_html(_report(busy))
    assert "#2e7d32" not in page  # the old green and red, which red-green colour-blind readers confuse
    assert "#c62828" not in page
    hours = _svg(page, "chart-by-hour")
    assert 'fill="#0072b2"' in hours  # Okabe-Ito blue for success
    failed = re.findall(r'<rect [^>]*class="bar-failed"[^>]*>', hours)
    assert failed
    assert all('fill="url(#chart-by-hour-hatch)"' in bar for bar in failed)  # hatched, not just orange
    assert '<pattern id="chart-by-hour-hatch"' in hours
    daily = _svg(page, "chart-daily")
    assert re.search(r'<polyline class="series-failed"[^>]*stroke-dasharray', daily)  # dashed
    assert not re.search(r'<polyline class="series-tasks"[^>]*stroke-dasharray', daily)
    assert "<rect" in daily.split('class="series-failed"', 1)[1]  # failures as squares, tasks as dots
    for chart in ("chart-by-hour", "chart-daily"):
        legend = _svg(page, chart).split('class="legend"', 1)[1]
        assert ">succeeded<" in legend or ">tasks<" in legend
        assert ">failed<" in legend  # named, not only coloured


def test_the_only_script_is_the_pages_own_and_the_csp_allows_just_it(busy: Path) -> None:
    page = render_html(_report(busy))
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy
    directives = dict(d.strip().split(" ", 1) for d in policy.group(1).split(";"))
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert directives["script-src"] == f"'sha256-{digest}'"  # that script, nothing inline beside it
    assert directives["default-src"] == "'none'"  # no font, image, stylesheet or connection


@pytest.mark.parametrize("language", ["en", "ko"])
def test_fonts_are_the_systems_with_a_stack_that_covers_hangul(busy: Path, language: str) -> None:
    page = render_html(_report(busy, language))
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "@font-face" not in style
    assert "url(" not in style
    korean = '"Noto Sans CJK KR", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic"'
    assert f"html:lang(ko) body {{ font-family: {korean}, system-ui, sans-serif;" in style
    assert f'<html lang="{language}">' in page
    assert "font-family=" not in page  # the charts take the page's fonts (Hangul labels included)


def test_tables_keep_the_ranking_and_carry_raw_values_to_sort_by(busy: Path) -> None:
    page = render_html(_report(busy))
    most_run = _table(page, "table-most-run")
    assert '<th scope="col" data-type="number" class="num" aria-sort="descending">Runs</th>' in most_run
    assert re.findall(r'data-value="(\d+)"', most_run) == ["4", "4", "4", "2"]
    failures = _table(page, "table-failures")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\\u202e&amp;amp;" in failures
    assert re.search(r'data-value="1\.0">100%<', failures)
    for table_id in (
        "table-slowest",
        "table-by-weekday",
        "table-by-hour",
        "table-repeated-errors",
        "table-problem-tasks",
        "table-commands-used",
        "table-commands-failing",
    ):
        assert f'<table class="sortable" id="{table_id}">' in page


def test_calendar_heatmap_counts_every_task_of_the_period_once(busy: Path) -> None:
    page = render_html(_report(busy))
    svg = _svg(page, "chart-calendar")
    counts = [int(c) for c in re.findall(r'data-count="(\d+)"', svg)]
    assert len(counts) == _report(busy).period.days == 30  # a cell for every local day of the period
    assert sum(counts) == 14
    assert "<title>Mon week of 10-20: 12 tasks</title>" in svg
    assert "<title>Tue week of 10-20: 2 tasks</title>" in svg


# The weekday x hour heatmap and the duration trend, drawn from the report's data and on their own.


@pytest.fixture
def known(record: Record, data_dir: Path) -> Path:
    """Four timed-or-not runs around midnight, whose weekday, hour and day depend on the zone."""
    record(
        [
            # UTC: Monday 10-20 at 14h, 15h and 23h, Tuesday 10-21 at 00h.
            # Seoul (UTC+9): Monday 10-20 at 23h, Tuesday 10-21 at 00h, 08h and 09h.
            TaskCompleted(task_id="C", success=True, duration=570.0, at=utc(2025, 10, 20, 14, 59, 0)),
            TaskCompleted(task_id="D", success=False, error="boom", at=utc(2025, 10, 20, 15, 0, 0)),
            TaskCompleted(task_id="A", success=True, duration=30.0, at=utc(2025, 10, 20, 23, 30, 0)),
            TaskCompleted(task_id="B", success=True, duration=90.0, at=utc(2025, 10, 21, 0, 15, 0)),
        ]
    )
    record([TaskCompleted(task_id="OLD", success=True, duration=5.0, at=utc(2025, 9, 1, 12, 0, 0))])
    return data_dir


def _cells(svg: str) -> dict[str, int]:
    """Each heatmap cell's tooltip -> its count."""
    return {tip: int(count) for count, tip in re.findall(r'data-count="(\d+)"><title>([^<]+)</title>', svg)}


@pytest.mark.parametrize(
    ("tz", "language", "busy_cells"),
    [
        (
            "Asia/Seoul",
            "en",
            {"Mon 23h: 1 task", "Tue 00h: 1 task", "Tue 08h: 1 task", "Tue 09h: 1 task"},
        ),
        ("Asia/Seoul", "ko", {"월 23시: 1 작업", "화 00시: 1 작업", "화 08시: 1 작업", "화 09시: 1 작업"}),
        ("UTC", "en", {"Mon 14h: 1 task", "Mon 15h: 1 task", "Mon 23h: 1 task", "Tue 00h: 1 task"}),
    ],
)
def test_weekday_hour_heatmap_puts_each_run_in_its_local_weekday_and_hour(
    known: Path, tz: str, language: str, busy_cells: set[str]
) -> None:
    report = _report(known, language, tz)
    svg = _svg(render_html(report), "chart-weekday-hour")
    cells = _cells(svg)
    assert len(cells) == 7 * 24
    assert sum(cells.values()) == report.stats.total_tasks == 4  # the period's runs, not the September one
    assert {tip for tip, count in cells.items() if count} == busy_cells


@pytest.mark.parametrize(
    ("tz", "language", "means"),
    [
        # Seoul: 10-20 has C alone (570 s); 10-21 has A and B timed, (30 + 90) / 2 = 60 s, and D untimed
        ("Asia/Seoul", "en", ["2025-10-20: 9.5 min", "2025-10-21: 1.0 min"]),
        ("Asia/Seoul", "ko", ["2025-10-20: 9.5분", "2025-10-21: 1.0분"]),
        # UTC: 10-20 has C and A, (570 + 30) / 2 = 300 s; 10-21 has B alone
        ("UTC", "en", ["2025-10-20: 5.0 min", "2025-10-21: 1.5 min"]),
    ],
)
def test_duration_trend_shows_each_local_days_mean_of_its_timed_runs(
    known: Path, tz: str, language: str, means: list[str]
) -> None:
    svg = _svg(render_html(_report(known, language, tz)), "chart-duration")
    assert re.findall(r"<circle [^>]*><title>([^<]+)</title>", svg) == means  # no dot for untimed days
    assert len(re.findall(r'<polyline class="series-duration"', svg)) == 1  # 10-20 to 10-21, one line
    titles = re.findall(r'class="axis-title"[^>]*>([^<]+)<', svg)
    assert titles == (
        ["Date", "Mean duration (min)"] if language == "en" else ["날짜", "평균 실행 시간 (분)"]
    )


@pytest.mark.parametrize(("language", "tip"), [("en", "Mon 09h: 3 tasks"), ("ko", "월 09시: 3 작업")])
def test_weekday_hour_heatmap_has_a_cell_per_weekday_and_hour(language: str, tip: str) -> None:
    cells = [[0] * 24 for _ in range(7)]
    cells[0][9], cells[4][17] = 3, 1
    svg = weekday_hour_heatmap(cells, Messages(language)).svg
    assert len(re.findall(r'class="cell"', svg)) == 7 * 24
    assert f"<title>{tip}</title>" in svg
    assert re.findall(r'data-count="([1-9]\d*)"', svg) == ["3", "1"]
    shades = {
        count: fill
        for fill, count in re.findall(r'fill="(#[0-9a-f]{6})" class="cell" data-count="(\d+)"', svg)
    }
    assert len({shades["3"], shades["1"], shades["0"]}) == 3  # more is darker, none is grey


def test_duration_trend_breaks_the_line_where_no_run_was_timed() -> None:
    days = [f"2025-10-{d:02d}" for d in range(1, 11)]
    seconds = [60.0, 120.0, None, None, 30.0, 30.0, None, 45.0, None, 90.0]
    svg = duration_by_day(days, seconds, Messages("en")).svg
    assert len(re.findall(r'<polyline class="series-duration"', svg)) == 2  # 10-01..02 and 10-05..06
    assert len(re.findall(r"<circle ", svg)) == 6  # a dot per timed day, the lone ones included
    assert "<title>2025-10-02: 2.0 min</title>" in svg
    assert len(re.findall(r'class="x-tick"', svg)) == 5
    assert re.findall(r'class="axis-title"[^>]*>([^<]+)<', svg) == ["Date", "Mean duration (min)"]
    empty = duration_by_day(days, [None] * 10, Messages("en")).svg
    assert "no data in this period" in empty
