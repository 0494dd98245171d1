"""A period and filters over the index, counted into the analyzer's own :class:`Tally`.

The result goes through the analyzer's ``summary.build_report``, so the Trends page shows the
report's very numbers (a test compares them with ``session-analyze --json`` over the same data),
and its charts are the report's chart functions. Counting rules are the report's
(:mod:`analyzer.aggregate`): a run counts by its completion's time, a command by its own, hours and
days are local to the report's zone, durations are summed in integer microseconds.

Filters (none of them changes what the unfiltered page says):

* ``task``: that task's runs, and the commands run inside them;
* ``status``: ``succeeded`` or ``failed`` runs, and commands that exited 0 or not;
* ``host``: sessions recorded on that machine;
* ``command``: commands of that program, and the runs inside which one ran;
* ``ignore``: programs left out of the command figures (noise such as ``ls`` or ``git status``);
  the runs are not affected.

Session figures (sessions analysed, mean session length) follow the host filter only: a session's
length is not a property of one task.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from math import isnan

import attrs

from sessionkeeper.analyzer.aggregate import Tally
from sessionkeeper.analyzer.normalize import normalize_error
from sessionkeeper.analyzer.period import Period

from .index import Segment

__all__ = ["Filters", "LocalClock", "count"]

_QUARTER = 900  # every UTC offset in use is a multiple of 15 minutes


@attrs.frozen
class Filters:
    """What the Trends page was asked to show (all optional)."""

    task: str | None = None
    status: str | None = None  # "succeeded" | "failed"
    host: str | None = None
    command: str | None = None  # a program name
    ignore: frozenset[str] = frozenset()

    @property
    def narrowing(self) -> bool:
        return any((self.task, self.status, self.host, self.command))


class LocalClock:
    """(local date, local hour, weekday * 24 + hour) of UTC seconds, one zone lookup per quarter hour."""

    def __init__(self, tz: tzinfo) -> None:
        self._tz = tz
        self._cache: dict[int, tuple[date, int, int]] = {}

    def __call__(self, at: float) -> tuple[date, int, int]:
        key = int(at // _QUARTER)
        found = self._cache.get(key)
        if found is None:
            local = datetime.fromtimestamp(key * _QUARTER, UTC).astimezone(self._tz)
            found = self._cache[key] = (local.date(), local.hour, local.weekday() * 24 + local.hour)
        return found


def _micros(seconds: float) -> int:
    return round(seconds * 1_000_000)


def _runs_with_program(segment: Segment, program: int, since: float, until: float) -> set[int]:
    """Runs of ``segment`` inside which a command of ``program`` ran (whenever the command ran)."""
    del since, until  # a command may have run before the period in a run ending in it
    c_program, c_run = segment.c_program, segment.c_run
    return {c_run[i] for i in range(len(c_program)) if c_program[i] == program and c_run[i] >= 0}


def count(segments: Sequence[Segment], period: Period, filters: Filters) -> Tally:
    """The analyzer's tally of ``segments`` over ``period`` with ``filters``."""
    tally = Tally()
    if not segments:
        return tally
    shared = segments[0].shared
    since = period.since.astimezone(UTC).timestamp()
    until = period.until.astimezone(UTC).timestamp()
    clock = LocalClock(period.zone.tz)
    want_task = shared.tasks.find(filters.task) if filters.task else None
    want_host = shared.hosts.find(filters.host) if filters.host else None
    want_program = shared.programs.find(filters.command) if filters.command else None
    missing = (
        (filters.task and want_task is None)
        or (filters.host and want_host is None)
        or (filters.command and want_program is None)
    )
    ignored = {shared.programs.find(name) for name in filters.ignore} - {None}
    want_ok = {"succeeded": 1, "failed": 0}.get(filters.status or "")
    tasks, programs, errors_text = shared.tasks.names, shared.programs.names, shared.errors.names
    normalised: dict[int, str] = {}
    for segment in segments:
        alive = segment.alive()
        hosts = [meta.host for meta in segment.sessions]
        for meta, live in zip(segment.sessions, alive, strict=True):
            if not live or (want_host is not None and meta.host != want_host):
                continue
            tally.sessions_read += 1
            events, first, last = meta.in_period(since, until)
            if events:
                tally.sessions_with_events += 1
                if events > 1:
                    tally.sessions_timed += 1
                    tally.session_us += _micros(last - first)
        if missing:
            continue
        with_program = (
            _runs_with_program(segment, want_program, since, until) if want_program is not None else None
        )
        _count_runs(
            segment,
            tally,
            since,
            until,
            clock,
            alive,
            hosts,
            want_host,
            want_task,
            want_ok,
            with_program,
            tasks,
            errors_text,
            normalised,
        )
        _count_commands(
            segment,
            tally,
            since,
            until,
            alive,
            hosts,
            want_host,
            want_task,
            want_ok,
            want_program,
            ignored,
            programs,
        )
        for i in range(len(segment.s_at)):
            at = segment.s_at[i]
            session = segment.s_session[i]
            if not since <= at <= until or not alive[session]:
                continue
            if (want_host is not None and hosts[session] != want_host) or (
                want_task is not None and segment.s_task[i] != want_task
            ):
                continue
            if want_ok is None and want_program is None:
                tally.unfinished += 1
    return tally


def _count_runs(
    segment: Segment,
    tally: Tally,
    since: float,
    until: float,
    clock: LocalClock,
    alive: bytearray,
    hosts: list[int],
    want_host: int | None,
    want_task: int | None,
    want_ok: int | None,
    with_program: set[int] | None,
    tasks: list[str],
    errors_text: list[str],
    normalised: dict[int, str],
) -> None:
    # Runs once per task run in the period: locals, not attribute lookups.
    r_at, r_task, r_ok, r_dur = segment.r_at, segment.r_task, segment.r_ok, segment.r_dur
    r_session, r_error = segment.r_session, segment.r_error
    runs, failures, by_day = tally.runs, tally.failures, tally.by_day
    grid, ok_by_hour = tally.by_weekday_hour, tally.succeeded_by_hour
    durations, timed = tally.task_duration_us, tally.task_timed
    for i in segment.run_range(since, until):
        at = r_at[i]
        if not since <= at <= until:
            continue
        session = r_session[i]
        if not alive[session] or (want_host is not None and hosts[session] != want_host):
            continue
        task = r_task[i]
        ok = r_ok[i]
        if (want_task is not None and task != want_task) or (want_ok is not None and ok != want_ok):
            continue
        if with_program is not None and i not in with_program:
            continue
        name = tasks[task]
        tally.completed += 1
        runs[name] = runs.get(name, 0) + 1
        day, hour, cell = clock(at)
        grid[cell] += 1
        counts = by_day.get(day)
        if counts is None:
            counts = by_day[day] = [0, 0, 0, 0, 0]
        counts[0] += 1
        if ok:
            tally.succeeded += 1
            ok_by_hour[hour] += 1
            counts[1] += 1
        else:
            tally.failed += 1
            counts[2] += 1
            failures[name] = failures.get(name, 0) + 1
            error = r_error[i]
            if error >= 0:
                message = normalised.get(error)
                if message is None:
                    message = normalised[error] = normalize_error(errors_text[error])
                tally.errors[message] = tally.errors.get(message, 0) + 1
                from_tasks = tally.error_tasks.setdefault(message, {})
                from_tasks[name] = from_tasks.get(name, 0) + 1
        duration = r_dur[i]
        if not isnan(duration):  # known
            micros = round(duration * 1_000_000)
            durations[name] = durations.get(name, 0) + micros
            timed[name] = timed.get(name, 0) + 1
            counts[3] += micros
            counts[4] += 1


def _count_commands(
    segment: Segment,
    tally: Tally,
    since: float,
    until: float,
    alive: bytearray,
    hosts: list[int],
    want_host: int | None,
    want_task: int | None,
    want_ok: int | None,
    want_program: int | None,
    ignored: set[int | None],
    programs: list[str],
) -> None:
    c_at, c_program, c_exit = segment.c_at, segment.c_program, segment.c_exit
    c_session, c_task = segment.c_session, segment.c_task
    used, failing = tally.programs, tally.program_failures
    for i in segment.cmd_range(since, until):
        at = c_at[i]
        if not since <= at <= until:
            continue
        session = c_session[i]
        if not alive[session] or (want_host is not None and hosts[session] != want_host):
            continue
        program = c_program[i]
        if program in ignored or (want_program is not None and program != want_program):
            continue
        if want_task is not None and c_task[i] != want_task:
            continue
        failed = c_exit[i] != 0
        if want_ok is not None and failed == bool(want_ok):
            continue
        name = programs[program]
        used[name] = used.get(name, 0) + 1
        tally.commands_run += 1
        if failed:
            tally.commands_failed += 1
            failing[name] = failing.get(name, 0) + 1


def local_days(period: Period) -> list[date]:
    """Every local date of ``period`` (the daily charts' x axis)."""
    first = period.since.date()
    return [first + timedelta(days=offset) for offset in range(period.days)]
