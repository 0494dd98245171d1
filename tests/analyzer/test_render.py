"""Text and HTML reports: the guide's sections in order, both languages, escaping, self-contained HTML."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from sessionkeeper.analyzer import Report, analyze, render_html, render_text, resolve_period, resolve_zone
from sessionkeeper.analyzer.messages import CATALOGUE, Messages
from sessionkeeper.core import CommandExecuted, Event, TaskCompleted, TaskStarted
from tests.analyzer.conftest import utc

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
CHARTS = ("chart-by-hour", "chart-daily", "chart-calendar", "chart-top", "chart-failures", "chart-slowest")


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
    assert english.keys() == korean.keys()

    def fields(text: str) -> set[str]:
        return set(re.findall(r"{(\w+)", text))

    for key in english:
        if key.endswith(".one"):  # a singular may leave its number out ("one timed run")
            base = key.removesuffix(".one")
            assert fields(english[key]) <= fields(english[base]), key
            assert fields(korean[key]) <= fields(korean[base]), key
        else:
            assert fields(english[key]) == fields(korean[key]), key


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
