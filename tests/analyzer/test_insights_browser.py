"""The HTML report's insights section in a real browser (headless Chromium, as test_browser.py):
laid out at 400 and 1280 px, its tables sortable, its weekday x hour grid drawn, nothing fetched,
and a hostile task id shown as text."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from sessionkeeper.analyzer import render_html
from sessionkeeper.core import Event
from tests.analyzer.chromium import Page, ensure_browser, open_page
from tests.analyzer.test_insights import HOSTILE, _insights, _runs

Record = Callable[[Sequence[Event]], str]
pytestmark = pytest.mark.timeout(1500)  # the first test may install Chromium and fonts (apt)


@pytest.fixture(scope="session")
def chromium() -> Path:
    return ensure_browser()


def _errors(page: Page) -> list[dict[str, Any]]:
    return [
        event
        for event in page.events
        if event["method"] == "Runtime.exceptionThrown"
        or (event["method"] == "Log.entryAdded" and event["params"]["entry"]["level"] == "error")
    ]


def _requests(page: Page) -> list[str]:
    return [e["params"]["request"]["url"] for e in page.events if e["method"] == "Network.requestWillBeSent"]


@pytest.mark.parametrize("width", [400, 1280])
def test_insights_section_renders_in_chromium(
    chromium: Path, record: Record, data_dir: Path, tmp_path: Path, width: int
) -> None:
    rnd = random.Random(4)
    events: list[Event] = []
    for name, p in (("FIX-DB", 0.4), ("BUILD", 0.02), (HOSTILE, 0.3)):
        events += _runs(name, [rnd.uniform(50, 70) for _ in range(40)], [rnd.random() < p for _ in range(40)])
    record(events)
    report, found = _insights(data_dir)
    page_file = tmp_path / "insights.html"
    page_file.write_text(render_html(report, found), encoding="utf-8")
    with open_page(chromium, tmp_path / "profile") as page:
        page.resize(width, 900)
        page.load(page_file.as_uri())
        assert (
            page.evaluate("document.getElementById('section-insights').getBoundingClientRect().height") > 200
        )
        rows = page.evaluate("document.querySelectorAll('#table-insights-tasks tbody tr').length")
        assert rows == 3
        assert page.evaluate("document.querySelectorAll('#figure-insights-hours td.heat').length") >= 3
        # sortable like the report's other tables: clicking a heading reorders the rows
        rows_js = "[...document.querySelectorAll('#table-insights-tasks tbody tr')]"
        runs = rows_js + ".map(r => +r.cells[5].dataset.value)"
        page.evaluate("document.querySelectorAll('#table-insights-tasks thead th button.sort')[5].click()")
        ordered = page.evaluate(runs)
        assert ordered in (sorted(ordered), sorted(ordered, reverse=True))
        assert page.evaluate("typeof window.pwned") == "undefined"
        texts = page.evaluate("document.getElementById('section-insights').innerText")
        assert "<img src=x" in texts  # the hostile id is shown as text, not run as markup
        # nothing wider than the page at 400 px but the tables' own scrolling boxes
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        assert _errors(page) == []
        assert [url for url in _requests(page) if not url.startswith("file://")] == []
        shot = page.screenshot(tmp_path / f"insights-{width}.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
