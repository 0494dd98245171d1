"""The HTML report opened in a real browser (headless Chromium): it renders, with its four charts.

Chromium comes from Debian's ``chromium`` package, installed by ``.ci/setup-browser.sh`` (the
project's own file: a fresh machine does not have it). The test skips only when installing is
impossible (not root, no apt-get), and says so loudly; as root, on CI, it must run.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from sessionkeeper.analyzer import analyze, render_html, resolve_period, resolve_zone
from sessionkeeper.core import CommandExecuted, Event, TaskCompleted, TaskStarted
from tests.analyzer.conftest import utc
from tests.conftest import REPO

Record = Callable[[Sequence[Event]], str]
CHROMIUM = Path("/usr/bin/chromium")
SETUP = REPO / ".ci" / "setup-browser.sh"
CHART_TITLES = {
    "chart-by-hour": "Tasks by hour",
    "chart-daily": "Daily trend",
    "chart-top": "Top tasks",
    "chart-failures": "Failures",
}


@pytest.fixture(scope="session")
def chromium() -> Path:
    """/usr/bin/chromium, installed by the project's setup script if missing."""
    if not CHROMIUM.exists():
        done = subprocess.run(["bash", str(SETUP)], capture_output=True, text=True, timeout=1200, check=False)
        if done.returncode != 0 or not CHROMIUM.exists():
            reason = (done.stderr or done.stdout).strip()[-500:]
            if os.geteuid() == 0 and os.environ.get("CI"):
                pytest.fail(f"could not install Chromium on CI as root: {reason}")
            pytest.skip(f"!!! BROWSER TEST NOT RUN: Chromium cannot be installed here ({reason}) !!!")
    return CHROMIUM


def _chromium(binary: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(binary),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.timeout(1500)  # the first run may install Chromium (apt) inside the fixture
def test_html_report_renders_its_four_charts_in_chromium(
    chromium: Path, record: Record, data_dir: Path, tmp_path: Path
) -> None:
    events: list[Event] = []
    for day in range(5):
        for i in range(4 + day):
            task = ["FIX-DB", "BUILD", "TEST", "DOCS"][i % 4]
            failed = (task == "FIX-DB" and (day + i) % 3 != 0) or (task == "TEST" and day == 4)
            events += [
                TaskStarted(task_id=task, at=utc(2025, 10, 16 + day, 8 + i, 0, 0)),
                CommandExecuted(
                    command="pytest -q", exit_code=int(failed), at=utc(2025, 10, 16 + day, 8 + i, 5, 0)
                ),
                TaskCompleted(
                    task_id=task,
                    success=not failed,
                    duration=300.0,
                    error="DB locked" if failed else None,
                    at=utc(2025, 10, 16 + day, 8 + i, 10, 0),
                ),
            ]
    record(events)
    now = utc(2025, 10, 22, 12, 0, 0)
    report = analyze(data_dir, resolve_period(zone=resolve_zone("UTC"), days=14, now=now), now=now)
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")

    screenshot = tmp_path / "report.png"
    shot = _chromium(
        chromium,
        tmp_path / "profile-shot",
        f"--screenshot={screenshot}",
        "--window-size=1200,2000",
        page.as_uri(),
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.exists()
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000  # a blank page compresses to a few kilobytes

    dumped = _chromium(chromium, tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = dumped.stdout
    assert len(re.findall(r"<svg\b", dom)) == 4
    for chart_id, title in CHART_TITLES.items():
        assert re.search(rf'<svg[^>]*id="{chart_id}"', dom), chart_id
        assert f'<title id="{chart_id}-title">{title}</title>' in dom
    bars = re.findall(r'<rect [^>]*fill="#(?:2e7d32|c62828|1565c0)"><title>', dom)
    assert len(bars) >= 15  # bars with their numbers, not just empty frames
    assert len(re.findall(r"<polyline\b", dom)) == 2
