"""Counting: every row of every kept session, exactly once, into one :class:`Tally`.

Counting rules (the old analyzer's bugs are what they rule out):

* a task run counts once, by its ``TaskCompleted``, when that falls in the period; its
  ``TaskStarted`` only pairs with it (first-in, first-out per task id within the session) to give
  a duration the completion does not carry, and, left unpaired, counts as unfinished;
* a command counts once, by its ``CommandExecuted``; exit code 0 is success;
* the period is decided by each event's own time; hours, weekdays and days are local to the
  report's zone;
* durations are summed in integer microseconds, so totals do not depend on the order of addition.

A run is counted where it ended: one cell of the weekday x hour grid (``by_weekday_hour``, from
which the by-hour and by-weekday counts are summed afterwards, so the hot loop adds to one list
rather than three) and one day of ``by_day``, which also sums that day's known durations.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs

from .normalize import normalize_error, program_name
from .period import Period
from .report import CrossCheck
from .rows import COMMAND, COMPLETED, STARTED, Row
from .sources import SessionData

__all__ = ["Aggregator", "Tally"]

_CACHE_LIMIT = 100_000  # distinct error messages / command lines remembered; beyond, start over
_HOUR = timedelta(hours=1) - timedelta(microseconds=1)
_LAST = datetime.max.replace(tzinfo=UTC)
_FIRST = datetime.min.replace(tzinfo=UTC)


@attrs.define
class Tally:
    """Raw counts; :mod:`summary` turns them into the report."""

    completed: int = 0
    succeeded: int = 0
    failed: int = 0
    unfinished: int = 0
    runs: dict[str, int] = attrs.Factory(dict)
    failures: dict[str, int] = attrs.Factory(dict)
    task_duration_us: dict[str, int] = attrs.Factory(dict)
    task_timed: dict[str, int] = attrs.Factory(dict)
    # local weekday * 24 + local hour -> runs (weekday 0 is Monday, as date.weekday() counts)
    by_weekday_hour: list[int] = attrs.Factory(lambda: [0] * (7 * 24))
    succeeded_by_hour: list[int] = attrs.Factory(lambda: [0] * 24)
    # local date -> [tasks, succeeded, failed, duration_us, timed] (the last two: its timed runs)
    by_day: dict[date, list[int]] = attrs.Factory(dict)
    commands_run: int = 0
    commands_failed: int = 0
    programs: dict[str, int] = attrs.Factory(dict)
    program_failures: dict[str, int] = attrs.Factory(dict)
    errors: dict[str, int] = attrs.Factory(dict)
    error_tasks: dict[str, dict[str, int]] = attrs.Factory(dict)
    sessions_read: int = 0
    sessions_with_events: int = 0
    sessions_timed: int = 0
    session_us: int = 0
    unknown_events: int = 0
    warnings: list[str] = attrs.Factory(list)
    cross_checks: list[CrossCheck] = attrs.Factory(list)

    # The totals of timed runs are their days' sums: the hot loop adds a duration in one place only.
    @property
    def duration_us(self) -> int:
        """The durations of every timed run, summed."""
        return sum(counts[3] for counts in self.by_day.values())

    @property
    def timed(self) -> int:
        """How many runs have a known duration."""
        return sum(counts[4] for counts in self.by_day.values())


class Aggregator:
    """Adds sessions to a :class:`Tally` for one period."""

    def __init__(self, period: Period) -> None:
        self.tally = Tally()
        # Compare in UTC: event times are UTC, and comparing datetimes of one tzinfo is cheapest.
        self._since = period.since.astimezone(UTC)
        self._until = period.until.astimezone(UTC)
        self._tz = period.zone.tz
        self._local: dict[tuple[int, int, int, int], tuple[date, int, int] | None] = {}
        self._errors: dict[str, str] = {}
        self._programs: dict[str, str] = {}

    # -- local time -------------------------------------------------------------------------------
    def _local_hour(self, at: datetime) -> tuple[date, int, int]:
        """(local date, local hour, weekday * 24 + hour) of ``at``: its day, its hour and its cell
        of the weekday x hour grid; one zone lookup per UTC hour, not per event."""
        key = (at.year, at.month, at.day, at.hour)
        found = self._local.get(key, False)
        if found is False:
            start = at.replace(minute=0, second=0, microsecond=0)
            first, last = start.astimezone(self._tz), (start + _HOUR).astimezone(self._tz)
            # Zones with half-hour offsets, or a change of offset inside this hour: no shortcut.
            same = first.date() == last.date() and first.hour == last.hour
            found = self._local[key] = (
                (first.date(), first.hour, first.weekday() * 24 + first.hour) if same else None
            )
        if found is None:  # every event of such an hour: inline, a call would cost more than the sum
            local = at.astimezone(self._tz)
            hour = local.hour
            return local.date(), hour, local.weekday() * 24 + hour
        return found  # type: ignore[return-value]

    def _normalised(self, error: str) -> str:
        found = self._errors.get(error)
        if found is None:
            if len(self._errors) >= _CACHE_LIMIT:
                self._errors.clear()
            found = self._errors[error] = normalize_error(error)
        return found

    def _program(self, command: str) -> str:
        found = self._programs.get(command)
        if found is None:
            if len(self._programs) >= _CACHE_LIMIT:
                self._programs.clear()
            found = self._programs[command] = program_name(command)
        return found

    # -- sessions ---------------------------------------------------------------------------------
    def add(self, data: SessionData) -> None:
        """Count one kept session."""
        tally = self.tally
        tally.sessions_read += 1
        tally.unknown_events += data.unknown_events
        tally.warnings += data.warnings
        # Old files give no durations of their own beyond execution_time: never derive them.
        self.add_rows(data.rows, derive_durations=not data.legacy)
        if data.execution_stats_total is not None:
            runs = sum(1 for row in data.rows if row[0] == COMPLETED)
            tally.cross_checks.append(
                CrossCheck(
                    data.stored_id,
                    data.file,
                    data.execution_stats_total,
                    runs,
                    data.execution_stats_total >= runs,
                )
            )

    def add_rows(self, rows: list[Row], *, derive_durations: bool = True) -> None:
        """Count one session's rows (in log order)."""
        # Runs once per event: locals instead of attribute lookups, comparisons instead of
        # min()/max() calls (ruff's PLR1730 would trade speed for style here).
        since, until, tally = self._since, self._until, self.tally
        programs, program_failures, program_of = tally.programs, tally.program_failures, self._programs
        open_starts: dict[str, list[datetime]] = {}
        first, last, events = _LAST, _FIRST, 0
        for row in rows:
            kind, at = row[0], row[1]
            inside = since <= at <= until
            if inside:
                events += 1
                if at < first:  # noqa: PLR1730
                    first = at
                if at > last:  # noqa: PLR1730
                    last = at
            if kind == COMMAND:
                if inside:
                    command = row[2]
                    program = program_of.get(command) or self._program(command)
                    programs[program] = programs.get(program, 0) + 1
                    tally.commands_run += 1
                    if row[3] != 0:
                        tally.commands_failed += 1
                        program_failures[program] = program_failures.get(program, 0) + 1
                continue
            task_id = row[2]
            starts = open_starts.get(task_id)
            if kind == STARTED:
                if starts is None:
                    open_starts[task_id] = [at]
                else:
                    starts.append(at)
                continue
            start = starts.pop(0) if starts else None  # pairs even when the start is before the period
            if inside:
                duration = row[4]
                if duration is None and derive_durations and start is not None and at >= start:
                    duration = (at - start).total_seconds()
                self._completed(at, task_id, row[3], duration, row[5])
        for starts in open_starts.values():
            if starts:  # most are empty: every start met its completion
                tally.unfinished += sum(1 for at in starts if since <= at <= until)
        if events:
            tally.sessions_with_events += 1
            if events > 1:
                tally.sessions_timed += 1
                tally.session_us += _micros((last - first).total_seconds())

    def _completed(
        self, at: datetime, task_id: str, success: bool, duration: float | None, error: Any
    ) -> None:
        tally = self.tally
        tally.completed += 1
        tally.runs[task_id] = tally.runs.get(task_id, 0) + 1
        day, hour, cell = self._local_hour(at)
        tally.by_weekday_hour[cell] += 1
        counts = tally.by_day.get(day)
        if counts is None:
            counts = tally.by_day[day] = [0, 0, 0, 0, 0]
        counts[0] += 1
        if success:
            tally.succeeded += 1
            tally.succeeded_by_hour[hour] += 1
            counts[1] += 1
        else:
            tally.failed += 1
            counts[2] += 1
            tally.failures[task_id] = tally.failures.get(task_id, 0) + 1
            if error:
                message = self._normalised(error)
                tally.errors[message] = tally.errors.get(message, 0) + 1
                tasks = tally.error_tasks.setdefault(message, {})
                tasks[task_id] = tasks.get(task_id, 0) + 1
        if duration is not None:
            micros = round(duration * 1_000_000)
            tally.task_duration_us[task_id] = tally.task_duration_us.get(task_id, 0) + micros
            tally.task_timed[task_id] = tally.task_timed.get(task_id, 0) + 1
            counts[3] += micros
            counts[4] += 1


def _micros(seconds: float) -> int:
    return round(seconds * 1_000_000)
