"""How long the next run will take, and how often it failed lately: ``forecast(task)`` and
``session run --forecast -- CMD``.

Computed from the data directory's own history — the live sessions, newest first, then the
history archive, newest first — through session-core's public reading API (``list_sessions`` /
``read_session``, ``list_history`` / ``read_history``; reading never locks or changes a file). It
stops as soon as it has the runs it needs (the last ``WINDOW`` successful timed runs and the last
``RECENT`` runs), so a long history costs no more than a short one. The hooks never import the
analyzer (which has the full insights: ``session-analyze --insights``); this is the small, pure
Python part of them a runner can afford before every run.

* **P50/P90**: quantiles of the durations of the last 30 successful runs, by linear interpolation
  between order statistics — position ``q (n - 1)`` among the ``n`` sorted values, the definition
  of ``statistics.quantiles(values, n=100, method="inclusive")`` and of numpy's default
  ``percentile``, which the analyzer's insights use too (a test checks all three agree). Only from
  3 timed successful runs on; "unknown" before. Failed runs are left out (they often stop early).
* **failed N of the last M runs**: M at most 10.

Never harmful: any error (no data directory, a damaged or encrypted file, core missing) gives no
forecast (None) rather than an exception, and :func:`forecast_in_time` gives up after a time budget
(0.5 s by default) so a runner never waits on it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "MIN_RUNS",
    "RECENT",
    "WINDOW",
    "Forecast",
    "command_key",
    "forecast",
    "forecast_command",
    "forecast_in_time",
    "quantile",
    "short_duration",
]

_log = logging.getLogger("sessionkeeper.hooks")

WINDOW = 30  # successful timed runs the quantiles are taken over
RECENT = 10  # runs the failure count is taken over
MIN_RUNS = 3  # successful timed runs needed for P50/P90
DEFAULT_BUDGET = 0.5  # seconds
_COMMAND_LIMIT = 4096  # as recorded (recorder.py)


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by linear interpolation between order statistics."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def short_duration(seconds: float) -> str:
    """``0.4s``, ``45s``, ``2m10s``, ``1h05m``."""
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


@dataclass(frozen=True)
class Forecast:
    """What the history says about the next run of one task or command line."""

    kind: str  # "task" or "command"
    name: str  # the task id or command line, as recorded (redacted)
    recent_runs: int  # the last (at most RECENT) runs ...
    recent_failed: int  # ... and how many of them failed
    timed_runs: int  # the successful timed runs the quantiles rest on (at most WINDOW)
    p50: float | None  # seconds; None below MIN_RUNS timed runs
    p90: float | None
    since: datetime | None  # the oldest run counted
    until: datetime | None  # the newest

    @property
    def status(self) -> str:
        return "known" if self.p50 is not None else "unknown"

    def message(self) -> str:
        """``usually 2m10s (p90 3m40s); failed 3 of the last 10 runs``."""
        if not self.recent_runs:
            return f"no forecast: no earlier run of this {self.kind} in the history"
        if self.p50 is not None and self.p90 is not None:
            duration = f"usually {short_duration(self.p50)} (p90 {short_duration(self.p90)})"
        else:
            duration = f"duration unknown ({self.timed_runs} timed successful runs, {MIN_RUNS} needed)"
        if self.recent_runs == 1:
            return f"{duration}; the only earlier run {'failed' if self.recent_failed else 'succeeded'}"
        return f"{duration}; failed {self.recent_failed} of the last {self.recent_runs} runs"


# -- reading the history, newest first ------------------------------------------------------------------
def _events(data_dir: str | os.PathLike[str] | None, deadline: float) -> Iterator[dict[str, Any]]:
    """Every stored event of the data directory, newest session first, each session's events newest
    first; stops at ``deadline`` (``time.monotonic()``)."""
    import orjson

    from sessionkeeper.core import (
        list_history,
        list_sessions,
        read_history,
        read_session,
        resolve_codec,
        resolve_data_dir,
    )

    root = resolve_data_dir(data_dir)
    codec = resolve_codec()

    def stored(items: Iterable[Any]) -> Iterator[dict[str, Any]]:
        for item in reversed(list(items)):
            data = orjson.loads(item) if isinstance(item, bytes | str) else item
            if isinstance(data, dict):
                yield data

    for entry in reversed(list_sessions(root)):
        if time.monotonic() > deadline:
            return
        try:
            view = read_session(root, entry.session_id, codec)
        except Exception as exc:  # damaged, encrypted without a key...: the others still count
            _log.debug("sessionkeeper.hooks: forecast skips %s: %s", entry.session_id, exc)
            continue
        yield from stored(view.event_data)
    for file in reversed(list_history(root).files):
        if time.monotonic() > deadline:
            return
        try:
            _, events = read_history(file, codec)
        except Exception as exc:
            _log.debug("sessionkeeper.hooks: forecast skips %s: %s", file.path.name, exc)
            continue
        yield from stored(events)


def _collect(kind: str, name: str, matches: Any, events: Iterator[dict[str, Any]]) -> Forecast:
    recent: list[bool] = []  # failed, newest first
    timed: list[float] = []
    moments: list[datetime] = []
    for event in events:
        outcome = matches(event)
        if outcome is None:
            continue
        failed, duration = outcome
        with contextlib.suppress(KeyError, TypeError, ValueError):
            moments.append(datetime.fromisoformat(event["at"]))
        if len(recent) < RECENT:
            recent.append(failed)
        if not failed and duration is not None and len(timed) < WINDOW:
            timed.append(duration)
        if len(recent) >= RECENT and len(timed) >= WINDOW:
            break
    known = len(timed) >= MIN_RUNS
    return Forecast(
        kind=kind,
        name=name,
        recent_runs=len(recent),
        recent_failed=sum(recent),
        timed_runs=len(timed),
        p50=quantile(timed, 0.5) if known else None,
        p90=quantile(timed, 0.9) if known else None,
        since=min(moments) if moments else None,
        until=max(moments) if moments else None,
    )


def _duration(value: Any) -> float | None:
    if type(value) in (int, float) and value >= 0:
        return float(value)
    return None


def _recorded_task_id(task: Any) -> str:
    from .redaction import Redactor
    from .taskdata import task_fields, task_info

    redactor = Redactor()
    return task_info(task_fields(task), redactor.redact, 2000).task_id


def command_key(line: str) -> str:
    """What two recordings of the same command line have in common: their words."""
    return " ".join(line[: _COMMAND_LIMIT + 1].split())


def _recorded_command(command: str | Sequence[Any]) -> str:
    from .redaction import Redactor

    redactor = Redactor()
    line = redactor.redact_command(command if isinstance(command, str) else [str(a) for a in command])
    return line[:_COMMAND_LIMIT] + "…" if len(line) > _COMMAND_LIMIT else line


def forecast(
    task: Any, *, data_dir: str | os.PathLike[str] | None = None, budget: float = DEFAULT_BUDGET
) -> Forecast | None:
    """The forecast of ``task``'s next run (a task contract, an object with ``task_id``, or an id),
    from the task's ``TaskCompleted`` events; None if it cannot be made. Never raises."""
    try:
        name = _recorded_task_id(task)

        def matches(event: dict[str, Any]) -> tuple[bool, float | None] | None:
            if event.get("kind") != "task_completed" or event.get("task_id") != name:
                return None
            return event.get("success") is not True, _duration(event.get("duration"))

        return _collect("task", name, matches, _events(data_dir, time.monotonic() + budget))
    except Exception as exc:
        _log.debug("sessionkeeper.hooks: no forecast: %s: %s", type(exc).__name__, exc)
        return None


def forecast_command(
    command: str | Sequence[Any],
    *,
    data_dir: str | os.PathLike[str] | None = None,
    budget: float = DEFAULT_BUDGET,
) -> Forecast | None:
    """The forecast of a command line's next run, from the ``CommandExecuted`` events recorded
    for the same line (as recorded: redacted, spaces folded); None if it cannot be made."""
    try:
        name = _recorded_command(command)
        key = command_key(name)

        def matches(event: dict[str, Any]) -> tuple[bool, float | None] | None:
            line = event.get("command")
            if event.get("kind") != "command_executed" or type(line) is not str or command_key(line) != key:
                return None
            return event.get("exit_code") != 0, _duration(event.get("duration"))

        return _collect("command", name, matches, _events(data_dir, time.monotonic() + budget))
    except Exception as exc:
        _log.debug("sessionkeeper.hooks: no forecast: %s: %s", type(exc).__name__, exc)
        return None


def forecast_in_time(
    command: Sequence[str], data_dir: str | os.PathLike[str] | None, timeout: float = DEFAULT_BUDGET
) -> Forecast | None:
    """:func:`forecast_command` in a daemon thread, given up after ``timeout`` seconds (a slow disk
    or a huge session never holds up the command)."""
    result: list[Forecast | None] = []

    def work() -> None:
        result.append(forecast_command(command, data_dir=data_dir, budget=timeout))

    thread = threading.Thread(target=work, name="session-run-forecast", daemon=True)
    thread.start()
    thread.join(timeout)
    return result[0] if result else None
