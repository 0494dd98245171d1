"""The HTML report in a real browser (headless Chromium): layout at two widths, fonts, sorting, isolation.

Chromium and a Korean font come from Debian's ``chromium`` and ``fonts-noto-cjk`` packages,
installed by ``.ci/setup-browser.sh`` (the project's own file: a fresh machine has neither). The
tests skip only when installing is impossible (not root, no apt-get), and say so loudly; as root,
on CI, they must run. :mod:`tests.analyzer.chromium` drives the browser over the DevTools pipe.

Every test saves its screenshots under its ``tmp_path`` (``report-<lang>-<width>.png``), so a
person can look at what was checked.
"""

from __future__ import annotations

import base64
import itertools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sessionkeeper.analyzer import Report, analyze, render_html, resolve_period, resolve_zone
from sessionkeeper.core import CommandExecuted, Event, TaskCompleted, TaskStarted
from tests.analyzer.chromium import Page, ensure_browser, korean_font_families, open_page
from tests.analyzer.conftest import utc

Record = Callable[[Sequence[Event]], str]
NOW = utc(2025, 10, 22, 12, 0, 0)
HOSTILE = '<img src="http://127.0.0.1:9/pwn.png" onerror="window.pwned=1"><script>window.pwned=2</script>'
CHART_TITLES = {
    "chart-by-hour": "Tasks by hour",
    "chart-weekday-hour": "Tasks by weekday and hour",
    "chart-daily": "Daily trend",
    "chart-duration": "Mean task duration by day",
    "chart-calendar": "Tasks by weekday and week",
    "chart-top": "Top tasks",
    "chart-failures": "Failures",
    "chart-slowest": "Slowest tasks (mean duration)",
}
pytestmark = pytest.mark.timeout(1500)  # the first test may install Chromium and fonts (apt)


@pytest.fixture(scope="session")
def chromium() -> Path:
    return ensure_browser()


@pytest.fixture
def busy(record: Record, data_dir: Path) -> Path:
    """Four weeks of work: five tasks, some failing, one run 1,200 times, one that failed its only run,
    and a hostile id (markup that would fetch and run something if it were not escaped)."""
    record(_busy_events())
    return data_dir


def _busy_events() -> list[Event]:
    events: list[Event] = []
    for day in range(28):
        for i in range(2 + day % 5):
            task = ["FIX-DB", "BUILD", "TEST", "DOCS", "RELEASE-NOTES-GENERATOR-FOR-ALL-PACKAGES"][
                (i + day) % 5
            ]
            failed = (task == "FIX-DB" and (day + i) % 3 != 0) or (task == "TEST" and day % 7 == 6)
            started = utc(2025, 9, 25, 8 + (i * 3 + day) % 12) + timedelta(days=day)
            events += [
                TaskStarted(task_id=task, at=started),
                CommandExecuted(command="pytest -q", exit_code=int(failed), at=started.replace(minute=5)),
                TaskCompleted(
                    task_id=task,
                    success=not failed,
                    duration=60.0 * (i + 1) * (4 if task == "BUILD" else 1),
                    error="DB locked" if failed else None,
                    at=started.replace(minute=10),
                ),
            ]
    events += [
        TaskCompleted(task_id="BULK", success=True, at=utc(2025, 10, 20, 9, n // 60, n % 60))
        for n in range(1200)
    ]
    events.append(TaskCompleted(task_id="ONCE", success=False, error="boom", at=utc(2025, 10, 21, 3, 0, 0)))
    events.append(TaskCompleted(task_id=HOSTILE, success=False, error=HOSTILE, at=utc(2025, 10, 21, 4, 0, 0)))
    return events


def _report(data_dir: Path, language: str = "en", tz: str = "UTC") -> Report:
    period = resolve_period(zone=resolve_zone(tz), days=30, now=NOW)
    return analyze(data_dir, period, language=language, now=NOW)


def _page(report: Report, tmp_path: Path) -> str:
    page = tmp_path / f"report-{report.language}.html"
    page.write_text(render_html(report), encoding="utf-8")
    return page.as_uri()


def _errors(page: Page) -> list[dict[str, Any]]:
    """Console errors, CSP violations (logged as errors) and uncaught exceptions so far."""
    return [
        event
        for event in page.events
        if event["method"] == "Runtime.exceptionThrown"
        or (event["method"] == "Log.entryAdded" and event["params"]["entry"]["level"] == "error")
        or (event["method"] == "Runtime.consoleAPICalled" and event["params"]["type"] == "error")
    ]


def _map(page: Page, selector: str, expression: str) -> list[Any]:
    """``expression`` (of ``e``) for every element matching ``selector``, in document order."""
    found: list[Any] = page.evaluate(f"[...document.querySelectorAll({selector!r})].map(e => {expression})")
    return found


def _requests(page: Page) -> list[str]:
    return [e["params"]["request"]["url"] for e in page.events if e["method"] == "Network.requestWillBeSent"]


def test_html_report_renders_its_charts_in_chromium(chromium: Path, busy: Path, tmp_path: Path) -> None:
    url = _page(_report(busy), tmp_path)
    with open_page(chromium, tmp_path / "profile") as page:
        page.resize(1280, 900)
        page.load(url)
        assert page.evaluate("document.querySelectorAll('svg.chart-svg').length") == len(CHART_TITLES)
        for chart_id, title in CHART_TITLES.items():
            assert page.evaluate(f"document.getElementById('{chart_id}-title').textContent") == title
            drawn = page.evaluate(f"document.getElementById('{chart_id}').getBoundingClientRect().height")
            assert drawn > 100, chart_id
        # bars with their numbers, not empty frames; failures hatched, not only coloured
        assert page.evaluate("document.querySelectorAll('#chart-by-hour rect.bar-succeeded').length") >= 10
        hatched = _map(page, "#chart-by-hour rect.bar-failed", "e.getAttribute('fill')")
        assert hatched
        assert set(hatched) == {"url(#chart-by-hour-hatch)"}
        assert page.evaluate("document.querySelectorAll('#chart-daily polyline').length") == 2
        assert page.evaluate("document.querySelectorAll('#chart-calendar rect.cell').length") >= 28
        assert _errors(page) == []
        shot = page.screenshot(tmp_path / "report-en-1280.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # a blank page compresses to a few kilobytes


@pytest.mark.parametrize("language", ["en", "ko"])
def test_report_fits_a_400px_window_and_uses_a_1280px_one(
    chromium: Path, busy: Path, tmp_path: Path, language: str
) -> None:
    url = _page(_report(busy, language), tmp_path)
    with open_page(chromium, tmp_path / "profile") as page:
        page.resize(400, 900)
        page.load(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 400
        lefts = _map(page, "svg.chart-svg", "e.getBoundingClientRect().left")
        widths = _map(page, "svg.chart-svg", "e.getBoundingClientRect().width")
        assert len(set(lefts)) == 1  # one column
        assert all(300 <= width <= 400 for width in widths), widths  # filling it, not overflowing
        # chart text stays legible when the charts shrink: tick labels at least 8 px tall
        tick = page.evaluate("document.querySelector('#chart-daily .x-tick').getBoundingClientRect().height")
        assert tick >= 8
        page.screenshot(tmp_path / f"report-{language}-400.png")

        page.resize(1280, 900)
        page.load(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        lefts = _map(page, "svg.chart-svg", "Math.round(e.getBoundingClientRect().left)")
        widths = _map(page, "svg.chart-svg", "e.getBoundingClientRect().width")
        assert len(set(lefts)) == 2  # two columns of charts
        assert all(width >= 520 for width in widths), (
            widths
        )  # wider than the old fixed 560-unit chart shown at 1180
        tables = _map(page, "#section-frequent table", "Math.round(e.getBoundingClientRect().left)")
        assert len(set(tables)) == 2  # tables side by side
        page.screenshot(tmp_path / f"report-{language}-1280.png")
        assert _errors(page) == []


def test_trend_x_labels_are_several_and_do_not_overlap_at_400px(
    chromium: Path, busy: Path, tmp_path: Path
) -> None:
    url = _page(_report(busy), tmp_path)
    with open_page(chromium, tmp_path / "profile") as page:
        page.resize(400, 900)
        page.load(url)
        for chart in (
            "#chart-daily .x-tick",
            "#chart-duration .x-tick",
            "#chart-calendar text",
            "#chart-weekday-hour text",
        ):
            boxes = _map(
                page,
                chart,
                "[e.getBoundingClientRect().left, e.getBoundingClientRect().right, "
                "e.getBoundingClientRect().top]",
            )
            rows: dict[int, list[tuple[float, float]]] = {}
            for left, right, top in boxes:
                rows.setdefault(round(top), []).append((left, right))
            for row in rows.values():
                row.sort()
                for (_, right), (left, _) in itertools.pairwise(row):
                    assert right <= left, (chart, row)
        labels = _map(page, "#chart-daily .x-tick", "e.textContent")
        assert len(labels) > 3
        assert all(re.fullmatch(r"\d\d-\d\d", label) for label in labels), labels
        titles = _map(page, "#chart-daily .axis-title", "e.textContent")
        assert titles == ["Date", "Tasks"]


def test_korean_report_draws_hangul_with_a_korean_font(chromium: Path, busy: Path, tmp_path: Path) -> None:
    korean = korean_font_families()
    assert korean, "fontconfig lists no font that covers Korean: .ci/setup-browser.sh installs fonts-noto-cjk"
    url = _page(_report(busy, "ko"), tmp_path)
    with open_page(chromium, tmp_path / "profile") as page:
        page.resize(1280, 900)
        page.load(url)
        # the page heading, a chart's legend (SVG text) and a table heading
        for selector in ("h1", "#chart-by-hour .legend text", "#table-most-run caption"):
            text = page.evaluate(f"document.querySelector('{selector}').textContent")
            hangul = sum(1 for ch in text if "\uac00" <= ch <= "\ud7a3")
            assert hangul >= 2, (selector, text)
            fonts = page.fonts_for(selector)
            drawn_by_korean = sum(f["glyphCount"] for f in fonts if f["familyName"] in korean)
            # every Hangul syllable drawn by a font that has it, none as a box from a Latin font
            assert drawn_by_korean >= hangul, (selector, fonts, sorted(korean))
            assert not any(f["isCustomFont"] for f in fonts)  # system fonts, nothing downloaded
        page.screenshot(tmp_path / "report-ko-1280.png")


def test_report_makes_no_request_and_runs_no_injected_script(
    chromium: Path, busy: Path, tmp_path: Path
) -> None:
    url = _page(_report(busy), tmp_path)
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><img src="http://127.0.0.1:9/probe.png">', encoding="utf-8")
    with open_page(chromium, tmp_path / "profile") as page:
        page.load(control.as_uri())
        assert "http://127.0.0.1:9/probe.png" in _requests(page)  # the probe does see a fetch

        page.events.clear()
        page.resize(1280, 900)
        page.load(url)
        page.evaluate("document.querySelector('#table-failures th button').click()")  # the script runs
        assert _requests(page) == [url]
        assert page.evaluate("window.pwned") is None
        assert page.evaluate("document.scripts.length") == 1
        # the hostile id is there, as text
        cells = _map(page, "#table-failures td", "e.textContent")
        assert HOSTILE in cells
        assert _errors(page) == []


def _column(page: Page, table: str, index: int) -> list[str]:
    return _map(page, f"#{table} tbody tr", f"e.cells[{index}].textContent")


def _click(page: Page, table: str, index: int) -> str:
    page.evaluate(f"document.querySelectorAll('#{table} thead th')[{index}].querySelector('button').click()")
    return page.evaluate(  # type: ignore[no-any-return]
        f"document.querySelectorAll('#{table} thead th')[{index}].getAttribute('aria-sort')"
    )


def test_tables_sort_by_a_click_on_a_heading(chromium: Path, busy: Path, tmp_path: Path) -> None:
    url = _page(_report(busy), tmp_path)
    with open_page(chromium, tmp_path / "profile") as page:
        page.load(url)
        runs = _column(page, "table-most-run", 1)
        assert runs[0] == "1,200"  # ranked, with thousands separators
        assert _click(page, "table-most-run", 1) == "ascending"  # sorted descending already: flips
        ascending = _column(page, "table-most-run", 1)
        numbers = [int(n.replace(",", "")) for n in ascending]
        assert numbers == sorted(numbers)  # by value: "1,200" last, not before "28" as text would
        assert ascending[-1] == "1,200"
        assert _click(page, "table-most-run", 0) == "ascending"
        names = _column(page, "table-most-run", 0)
        assert names == sorted(names, key=str.lower)
        assert _click(page, "table-most-run", 0) == "descending"
        assert _column(page, "table-most-run", 0) == names[::-1]
        assert (
            page.evaluate(
                "document.querySelector('#table-most-run th:nth-child(2)').getAttribute('aria-sort')"
            )
            is None
        )
        assert page.evaluate("document.querySelector('.sort-hint').hidden") is False
        assert _errors(page) == []


def test_page_reads_fine_without_javascript(chromium: Path, busy: Path, tmp_path: Path) -> None:
    url = _page(_report(busy), tmp_path)
    with open_page(chromium, tmp_path / "profile", javascript=False) as page:
        page.resize(400, 900)
        page.load(url)
        # evaluate still works through DevTools; the page's own script did not run
        assert page.evaluate("document.querySelectorAll('th button').length") == 0
        assert page.evaluate("document.querySelector('.sort-hint').hidden") is True
        assert _column(page, "table-most-run", 1)[0] == "1,200"  # the tables are there, ranked
        assert page.evaluate("document.querySelectorAll('table.sortable').length") >= 6
        assert page.evaluate("document.documentElement.scrollWidth") <= 400
        page.screenshot(tmp_path / "report-en-400-nojs.png")


def _shoot(page: Page, selector: str, path: Path) -> Path:
    """A PNG of one element of the page (a chart's figure), as drawn at the current width."""
    box = page.evaluate(
        f"(() => {{ const r = document.querySelector({selector!r}).getBoundingClientRect(); "
        "return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height]; })()"
    )
    clip = dict(zip(("x", "y", "width", "height"), box, strict=True))
    shot = page.send(
        "Page.captureScreenshot", format="png", captureBeyondViewport=True, clip={**clip, "scale": 1}
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


@pytest.mark.parametrize("language", ["en", "ko"])
def test_weekday_hour_heatmap_and_duration_trend_in_the_reports_zone(
    chromium: Path, busy: Path, tmp_path: Path, language: str
) -> None:
    seoul = ZoneInfo("Asia/Seoul")
    report = _report(busy, language, "Asia/Seoul")
    since, until = (datetime.fromisoformat(report.period.since), datetime.fromisoformat(report.period.until))
    # the oracle: every run ended in the period, placed by zoneinfo itself, not by the analyzer
    expected = Counter(
        (local.weekday(), local.hour)
        for event in _busy_events()
        if isinstance(event, TaskCompleted) and since <= event.at <= until
        for local in [event.at.astimezone(seoul)]
    )
    assert sum(expected.values()) == report.stats.total_tasks  # some runs of 10-22 end after the period
    url = _page(report, tmp_path)
    with open_page(chromium, tmp_path / "profile") as page:
        for width in (1280, 400):
            page.resize(width, 900)
            page.load(url)
            cells = _map(
                page,
                "#chart-weekday-hour rect.cell",
                "[e.getAttribute('y'), e.getAttribute('x'), +e.dataset.count, e.textContent]",
            )
            assert len(cells) == 7 * 24
            assert sum(count for _, _, count, _ in cells) == report.stats.total_tasks
            rows = sorted({float(y) for y, _, _, _ in cells})
            columns = sorted({float(x) for _, x, _, _ in cells})
            drawn = Counter(
                {(rows.index(float(y)), columns.index(float(x))): count for y, x, count, _ in cells if count}
            )
            assert drawn == expected  # weekday rows from Monday down, local hours across
            # BULK: 1,200 runs from 09:00 UTC on Monday 10-20 are Monday 18h in Seoul, with the
            # ordinary runs of that hour
            busiest = expected[0, 18]
            assert busiest > 1200
            tip = f"Mon 18h: {busiest:,} tasks" if language == "en" else f"월 18시: {busiest:,} 작업"
            assert tip in {text for _, _, _, text in cells}
            # 2025-10-20 in Seoul: FIX-DB 60 s (09:10Z), BUILD 480 s (12:10Z) and TEST 240 s
            # (17:10Z on 10-19 is 02:10 on 10-20 in Seoul): a mean of 260 s; BULK is not timed
            means = _map(page, "#chart-duration circle title", "e.textContent")
            assert ("2025-10-20: 4.3 min" if language == "en" else "2025-10-20: 4.3분") in means
            assert page.evaluate("document.querySelectorAll('#chart-duration polyline').length") >= 1
            assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
            for key in ("weekday-hour", "duration"):
                shot = _shoot(page, f"#figure-{key}", tmp_path / f"chart-{key}-{language}-{width}.png")
                assert shot.stat().st_size > 5_000, shot  # drawn, not an empty frame
            assert _errors(page) == []
