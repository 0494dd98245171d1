"""The dashboard in a real browser: Debian's Chromium, driven by Playwright (``executable_path``).

* live: events recorded by hooks in another process appear on the open page within 1 s (p95),
  without a reload;
* restart: the server is killed (SIGKILL) and started again; the page reconnects by itself and,
  resuming from ``Last-Event-ID``, shows every event recorded meanwhile, each once;
* people: screenshots of the pages at 1280 and 400 px in English and Korean (saved under the test's
  ``tmp_path``, and into ``$SESSIONKEEPER_SCREENSHOTS`` when set), nothing wider than the window,
  Hangul drawn with a Korean font, every control reachable with the keyboard, no script error and
  no CSP violation, nothing fetched from anywhere but the server.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from sessionkeeper.core import CommandExecuted, Event, SessionManager, TaskCompleted, TaskStarted
from tests.dashboard.conftest import Recorder, Server

Record = Callable[[Sequence[Event]], str]
pytestmark = pytest.mark.timeout(900)
LATENCY_BOUND = 1.0


@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium_path), args=["--no-sandbox"])
        yield launched
        launched.close()


class Watched:
    """A page with its console errors and every URL it requested."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)


def open_signed_in(browser: Browser, server: Server, width: int = 1280) -> Watched:
    context = browser.new_context(viewport={"width": width, "height": 900})
    watched = Watched(context.new_page())
    watched.page.goto(server.url)
    watched.page.wait_for_url(f"{server.base}/")
    watched.page.wait_for_selector("#live.on", timeout=15_000)
    return watched


def _observe(page: Page) -> None:
    """Note the time (epoch ms) each event first appears in the list, by its text."""
    page.evaluate(
        """() => {
          window.__seen = {};
          new MutationObserver((changes) => {
            const now = Date.now();
            for (const change of changes) for (const node of change.addedNodes) {
              const what = node.querySelector && node.querySelector('.what');
              if (what && !(what.textContent in window.__seen)) window.__seen[what.textContent] = now;
            }
          }).observe(document.getElementById('stream'), {childList: true});
        }"""
    )


def _seen(page: Page) -> dict[str, float]:
    found: dict[str, float] = page.evaluate("() => window.__seen")
    return found


def _wait_for(page: Page, texts: list[str], timeout: float = 20.0) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = _seen(page)
        if all(text in seen for text in texts):
            return seen
        time.sleep(0.05)
    missing = [text for text in texts if text not in _seen(page)]
    raise AssertionError(f"never shown: {missing}")


def test_events_from_another_process_appear_within_a_second(
    browser: Browser, server: Server, recorder: Recorder
) -> None:
    recorder.call("start WARM-UP")
    server.start()
    watched = open_signed_in(browser, server)
    _observe(watched.page)
    recorded: dict[str, float] = {}
    for i in range(25):
        recorded[f"LIVE-{i} started"] = recorder.call(f"start LIVE-{i}")
        time.sleep(0.13 + (i % 5) * 0.07)  # not in step with the server's polling
    seen = _wait_for(watched.page, list(recorded))
    latencies = sorted(seen[text] / 1000 - at for text, at in recorded.items())
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"event-to-screen latency: p50 {statistics.median(latencies):.3f} s, p95 {p95:.3f} s")
    assert p95 <= LATENCY_BOUND, latencies
    assert watched.page.evaluate("() => performance.getEntriesByType('navigation').length") == 1  # no reload
    assert watched.errors == []


def test_a_restarted_server_is_rejoined_and_nothing_is_missed(
    browser: Browser, server: Server, recorder: Recorder
) -> None:
    recorder.call("start BEFORE")
    server.start()
    watched = open_signed_in(browser, server)
    page = watched.page
    _observe(page)
    page.evaluate("() => { window.__same_page = 42; }")
    recorder.call("ok BEFORE")
    _wait_for(page, ["BEFORE succeeded in 1.2 s"])
    server.kill()
    page.wait_for_selector("#live:not(.on)", timeout=15_000)
    while_down = [f"DOWN-{i}" for i in range(6)]
    for task in while_down:
        recorder.call(f"start {task}")
    recorder.call("cmd 2 make broken")
    server.start()  # the same port; a new URL token is printed, the page's cookie still holds
    page.wait_for_selector("#live.on", timeout=30_000)
    expected = [f"{task} started" for task in while_down] + ["make broken \u2192 exit 2 (0.5 s)"]
    _wait_for(page, expected)
    recorder.call("fail AFTER")
    _wait_for(page, ["AFTER failed after 2.5 s \u2014 boom"])
    texts = page.eval_on_selector_all("#stream li .what", "items => items.map(i => i.textContent)")
    for text in [*expected, "BEFORE succeeded in 1.2 s"]:
        assert texts.count(text) == 1, (text, texts)
    assert page.evaluate("() => window.__same_page") == 42  # never reloaded
    # what a killed server leaves in the console: its cut stream and the refused reconnections
    expected_noise = ("ERR_CONNECTION_REFUSED", "ERR_INCOMPLETE_CHUNKED_ENCODING", "ERR_EMPTY_RESPONSE")
    assert [e for e in watched.errors if not any(noise in e for noise in expected_noise)] == []


# -- people: two widths, two languages --------------------------------------------------------------
def _ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


@pytest.fixture
def busy(record: Record, data_dir: Path, user_dir: Path) -> Iterator[SessionManager]:
    """Three weeks of work (ended sessions), one crashed session and one running (held here)."""
    tasks = ["FIX-DB", "BUILD", "TEST", "DOCS", "RELEASE-NOTES-GENERATOR-FOR-ALL-PACKAGES"]
    for day in range(21, 0, -3):
        events: list[Event] = []
        for i in range(6):
            task = tasks[(i + day) % 5]
            at = _ago(days=day, hours=10 - i)
            failed = task == "FIX-DB" and (day + i) % 2 == 0
            events += [
                TaskStarted(task_id=task, at=at),
                CommandExecuted(
                    command="pytest -q", exit_code=int(failed), duration=2.5, at=at + timedelta(seconds=30)
                ),
                TaskCompleted(task_id=task, success=not failed, duration=60.0 * (i + 1),
                              error="DB locked at /var/db/app.sqlite" if failed else None,
                              at=at + timedelta(minutes=i + 1)),
            ]  # fmt: skip
        record(events)
    crashed = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, fsync="never")
    crashed.start()
    crashed.set("current_feature", "authentication")
    crashed.record(TaskStarted(task_id="MIGRATE", at=_ago(hours=2)))
    crashed.abandon()
    running = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, fsync="never")
    running.start()
    running.set("current_feature", "dashboard")
    running.set("api_token", "not-shown-unless-asked")
    running.record(TaskStarted(task_id="BUILD", at=_ago(minutes=3)))
    running.record(CommandExecuted(command="npm test", exit_code=0, duration=4.0, at=_ago(minutes=2)))
    try:
        yield running
    finally:
        running.stop()


def _shots_dir(tmp_path: Path) -> list[Path]:
    places = [tmp_path]
    extra = os.environ.get("SESSIONKEEPER_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        places.append(Path(extra))
    return places


def _fits(page: Page) -> Any:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_pages_at_two_widths_in_both_languages(
    browser: Browser, server: Server, busy: SessionManager, recorder: Recorder, tmp_path: Path, lang: str
) -> None:
    recorder.call("start DEPLOY")
    recorder.call("cmd 0 git push")
    server.start()
    watched = open_signed_in(browser, server)  # the URL's token is spent here: one browser context
    page = watched.page
    for width in (1280, 400):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{server.base}/?lang={lang}")
        page.wait_for_selector("#live.on")
        assert page.evaluate("() => document.documentElement.lang") == lang
        text = page.inner_text("body")
        for word in (
            ["running", "ended", "crashed"] if lang == "en" else ["실행 중", "정상 종료", "비정상 종료"]
        ):
            assert word in text
        assert "DEPLOY" in text
        assert "git push" in text
        pages = {
            "now": "/",
            "trends": "/trends?preset=30d",
            "task": "/task/FIX-DB",
            "session": f"/session/{busy.session_id}",
        }
        for name, path in pages.items():
            if name != "now":
                page.goto(server.base + path)
                page.wait_for_load_state("load")
            if name == "trends":
                page.wait_for_selector("#figure-weekday-hour svg")
            assert _fits(page), f"{name} is wider than {width} px"
            for place in _shots_dir(tmp_path):
                page.screenshot(path=str(place / f"{name}-{lang}-{width}.png"), full_page=True)
        session_text = page.inner_text("main")
        assert "not-shown-unless-asked" not in session_text  # values masked unless asked for
        page.click("#keys-session tr:has-text('api_token') a")
        page.wait_for_load_state("load")
        assert "not-shown-unless-asked" in page.inner_text("#keys-session")
        assert watched.errors == []
        assert all(url.startswith((server.base, "data:")) for url in watched.requests)


def test_hangul_is_drawn_with_a_korean_font(browser: Browser, server: Server, busy: SessionManager) -> None:
    server.start()
    watched = open_signed_in(browser, server)
    page = watched.page
    page.goto(f"{server.base}/trends?lang=ko")
    client = page.context.new_cdp_session(page)
    client.send("DOM.enable")
    client.send("CSS.enable")
    root = client.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = client.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
    fonts = client.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    assert any("CJK" in font["familyName"] or "KR" in font["familyName"] for font in fonts), fonts


def test_everything_is_reachable_with_the_keyboard(
    browser: Browser, server: Server, busy: SessionManager
) -> None:
    server.start()
    watched = open_signed_in(browser, server)
    page = watched.page
    page.goto(f"{server.base}/trends")
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(
            "() => { const a = document.activeElement;"
            " return a.tagName + ':' + (a.name || a.textContent.trim()); }"
        ))  # fmt: skip
    assert reached[0] == "A:Skip to the content"
    for wanted in ("A:Now", "A:Trends", "A:한국어", "SELECT:preset", "INPUT:task", "SELECT:status",
                   "INPUT:ignore",
                   "BUTTON:Show"):  # fmt: skip
        assert wanted in reached, (wanted, reached)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # the focused control works from the keyboard too
    assert watched.errors == []
