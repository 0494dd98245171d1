"""Insights on the dashboard, when the analyzer has them: a feature check, and jobs run on request.

``sessionkeeper.analyzer.insights`` (failure risk, expected durations, flaky tasks...) is optional:
this module never imports it at import time; :func:`available` looks for it without importing it,
and the navigation shows an Insights page only when it is there. Its heavy libraries
(``session-analyzer[insights]``) are checked when the page is asked for, by the package's own
``require()``, whose message (how to install them) the page shows.

Insights learn from the runs of a period in one pass of the analyzer (``analyze`` with the
package's collector as an observer). That pass reads every file again (seconds on a million
events), so it runs in a thread of its own when a page asks, one at a time, and its result is kept
per (period's days, language); the page shows "computing" and the page's script reloads
it until the result is there.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sessionkeeper.analyzer.messages import Messages
from sessionkeeper.analyzer.period import Period
from sessionkeeper.core import Codec

__all__ = ["InsightsJobs", "available"]

_MODULE = "sessionkeeper.analyzer.insights"
_KEPT = 4
_FRESH_SECONDS = 120.0


def available() -> bool:
    """Whether the analyzer has its insights package (found, not imported)."""
    try:
        return importlib.util.find_spec(_MODULE) is not None
    except (ImportError, ValueError):
        return False


class InsightsJobs:
    """Insights computed in the background, one job at a time, kept per key."""

    def __init__(self, data_dir: Path, codec: Codec) -> None:
        self.data_dir = data_dir
        self.codec = codec
        # key -> ("html" | "error", value, index generation, when computed)
        self._results: dict[tuple[object, ...], tuple[str, Any, int, float]] = {}
        self._running: tuple[object, ...] | None = None
        self._lock = threading.Lock()

    def missing(self) -> str | None:
        """Why insights cannot be computed here (their libraries are missing), or None."""
        try:
            package = importlib.import_module(_MODULE)
            package.require()
        except ImportError as exc:
            return str(exc)
        return None

    def get(self, period: Period, say: Messages, generation: int) -> tuple[str, str] | None:
        """("html", section) or ("error", message) when done; None while computing (started if need be).

        A result answers for its period's days (a period ends "now", which moves with every request)
        and language; once the index has changed since, and the result is ``_FRESH_SECONDS`` old, it
        is computed again in the background while the old one is still shown."""
        key = (period.since, period.until.date(), period.zone.name, say.language)
        with self._lock:
            found = self._results.get(key)
            stale = found is None or (found[2] != generation and time.monotonic() - found[3] > _FRESH_SECONDS)
            if stale and self._running is None:
                self._running = key
                threading.Thread(target=self._run, args=(key, period, say, generation), daemon=True).start()
            return None if found is None else (found[0], found[1])

    def _run(self, key: tuple[object, ...], period: Period, say: Messages, generation: int) -> None:
        try:
            from sessionkeeper.analyzer.analysis import analyze

            package = importlib.import_module(_MODULE)
            collector = package.InsightsCollector(period)
            analyze(
                self.data_dir,
                period,
                language=say.language,
                codec=self.codec,
                observers=[collector],
                now=datetime.now(period.zone.tz),
            )
            found = package.insights_of(collector, say)
            result: tuple[str, Any] = ("html", package.insights_section(found, say))
        except Exception as exc:  # shown on the page: one failed job must not stop the dashboard
            result = ("error", f"{type(exc).__name__}: {exc}")
        with self._lock:
            self._results[key] = (*result, generation, time.monotonic())
            while len(self._results) > _KEPT:
                self._results.pop(next(iter(self._results)))
            self._running = None
