"""The Insights page: shown when the analyzer has its insights (a feature check, never an import at
start), computed in the background for the chosen period, then the insights' own section."""

from __future__ import annotations

import time

from sessionkeeper.analyzer.dashboard.insights import available
from tests.dashboard.conftest import Recorder, Server
from tests.dashboard.test_security import request, sign_in


def test_the_insights_page_computes_then_shows_the_section(server: Server, recorder: Recorder) -> None:
    assert available()  # the workspace installs the analyzer with its insights
    for i in range(12):
        recorder.call(f"start FLAKY-{i % 3}")
        recorder.call(f"{'ok' if i % 2 else 'fail'} FLAKY-{i % 3}")
    server.start()
    cookie = sign_in(server)
    now = request(server, "/", headers={"Cookie": cookie}).body.decode()  # type: ignore[attr-defined]
    assert 'href="/insights"' in now
    deadline = time.monotonic() + 120
    body = ""
    while time.monotonic() < deadline:
        body = request(server, "/insights?preset=7d", headers={"Cookie": cookie}).body.decode()  # type: ignore[attr-defined]
        if 'id="computing"' not in body:
            break
        time.sleep(0.5)
    assert 'id="computing"' not in body
    assert 'class="problem"' not in body, body
    assert "FLAKY-" in body  # the insights' section names the tasks it learned about
