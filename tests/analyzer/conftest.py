"""Helpers for the analyzer's tests: sessions recorded through the real core API, with a set clock."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from sessionkeeper.analyzer import analyze, render_json, resolve_period, resolve_zone
from sessionkeeper.core import Event, SessionManager

# A count of one followed by a plural noun ("1 runs", "1 task runs"): wording the catalogues'
# singulars (key.one) exist to prevent, in reports and on the dashboard alike.
ONE_WITH_A_PLURAL = re.compile(r"\b1 (?:\w+ )?(?:runs|tasks|sessions|events)\b")

Analyze = Callable[..., dict[str, Any]]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """``utc(2025, 10, 20, 9, 0, 30)``: an aware UTC time (the clock the tests set)."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def record_session(data_dir: Path, user_dir: Path, events: Sequence[Event]) -> str:
    """One session holding ``events``, written by ``SessionManager.record``; returns its id."""
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, fsync="never")
    session_id = manager.start()
    try:
        for event in events:
            manager.record(event)
    finally:
        manager.stop()
    return session_id


def analyze_dict(
    data_dir: Path,
    *,
    now: datetime,
    days: int = 30,
    since: str | None = None,
    tz: str = "UTC",
    language: str = "en",
    **options: Any,
) -> dict[str, Any]:
    """The JSON report of ``data_dir``, parsed (what a script reading ``report.json`` sees)."""
    period = resolve_period(zone=resolve_zone(tz), days=days, since=since, now=now)
    report = analyze(data_dir, period, language=language, now=now, **options)
    result: dict[str, Any] = orjson.loads(render_json(report))
    return result


@pytest.fixture
def record(data_dir: Path, user_dir: Path) -> Callable[[Sequence[Event]], str]:
    """``record([TaskStarted(...), ...])`` makes one session in the test's data directory."""

    def make(events: Sequence[Event]) -> str:
        return record_session(data_dir, user_dir, events)

    return make
