"""The dashboard's memory of every session: a few numbers per run, in flat columns.

The analyzer's report re-reads every file for every report (a million events: ~3 s). A page must
answer in a fraction of that, with any period and filter, while sessions keep changing. So every
session is read once (through the analyzer's own :func:`analysis.read_sessions`, which reads live
sessions and the history archive, each exactly once, copies settled) into a :class:`Segment`:

* ``runs``: one entry per task run (its ``TaskCompleted``): when (UTC seconds), which task, ok or
  failed, duration (NaN when unknown: derived from its ``TaskStarted`` as the report derives it),
  which session, which error text;
* ``cmds``: one per command run: when, which program, which command line, exit code, duration,
  which session, and the task run it ran inside (the innermost task started and not yet ended in
  its session when it ran; ``-1``: none), which is what the task and command filters rest on;
* ``starts``: the ``TaskStarted`` that never met their completion (the report's "unfinished");
* per session: id, host, first/last event time and every event time (sorted), for the report's
  session lengths and "sessions analysed" in any period.

Texts (task ids, programs, command lines, errors, hosts) are interned once in :class:`Names`; a run
costs ~40 bytes in the columns, a command ~44, an event time 8: with a million events of history
(``bench/``, W) the whole server stays at ~140 MB, where the analyzer's row tuples alone would take
~200 MB.

Two segments: ``archive`` (the history archive: files never change once written, so it only grows,
and its runs are sorted by time once built so a period is a slice found by bisection) and ``live``
(the sessions folder: few sessions, rebuilt whenever one of them changes).
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import datetime

from sessionkeeper.analyzer.rows import COMMAND, COMPLETED, STARTED
from sessionkeeper.analyzer.sources import SessionData

__all__ = ["NAN", "Names", "Segment", "SessionMeta"]

NAN = math.nan
_MAX_TEXTS = 200_000  # distinct command lines / error texts remembered; beyond, new ones are not kept


class Names:
    """Texts interned to small integers (index -> text, text -> index)."""

    def __init__(self, limit: int | None = None) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self._limit = limit

    def of(self, name: str) -> int:
        """The number of ``name`` (-1 when the table is full: a text past the limit is not kept)."""
        found = self.index.get(name)
        if found is None:
            if self._limit is not None and len(self.names) >= self._limit:
                return -1
            found = self.index[name] = len(self.names)
            self.names.append(name)
        return found

    def find(self, name: str) -> int | None:
        return self.index.get(name)

    def __getitem__(self, number: int) -> str:
        return self.names[number]

    def __len__(self) -> int:
        return len(self.names)


class SessionMeta:
    """One session of a segment."""

    __slots__ = ("alive", "archived", "events", "file", "first", "host", "last", "session_id", "times")

    def __init__(self, session_id: str, file: str, host: int, archived: bool, times: array[float]) -> None:
        self.session_id = session_id
        self.file = file
        self.host = host  # index into Shared.hosts; -1: unknown
        self.archived = archived
        self.times = times  # every event time, sorted (UTC seconds)
        self.events = len(times)
        self.first = times[0] if times else NAN
        self.last = times[-1] if times else NAN
        self.alive = True  # False once its archive file expired (its rows are then skipped)

    def in_period(self, since: float, until: float) -> tuple[int, float, float]:
        """How many of its events fall in [since, until], and the first and last of them."""
        times = self.times
        if not times or self.last < since or self.first > until:
            return 0, NAN, NAN
        lo, hi = bisect_left(times, since), bisect_right(times, until)
        if hi <= lo:
            return 0, NAN, NAN
        return hi - lo, times[lo], times[hi - 1]


class Shared:
    """The interned texts every segment's numbers point into."""

    def __init__(self) -> None:
        self.tasks = Names()
        self.programs = Names()
        self.lines = Names(_MAX_TEXTS)
        self.errors = Names(_MAX_TEXTS)
        self.hosts = Names()


class Segment:
    """Runs, commands and unfinished starts of a set of sessions, column by column."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.sessions: list[SessionMeta] = []
        self.by_id: dict[str, int] = {}
        # task runs
        self.r_at, self.r_task, self.r_ok = array("d"), array("i"), array("b")
        self.r_dur, self.r_session, self.r_error = array("d"), array("i"), array("i")
        # command runs
        self.c_at, self.c_program, self.c_line, self.c_exit = array("d"), array("i"), array("i"), array("q")
        self.c_dur, self.c_session, self.c_run, self.c_task = array("d"), array("i"), array("i"), array("i")
        # task starts that never ended
        self.s_at, self.s_task, self.s_session = array("d"), array("i"), array("i")
        self.sorted_runs = 0  # runs[:sorted_runs] are in time order (see sort_by_time)
        self.sorted_cmds = 0
        self._programs: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.r_at) + len(self.c_at)

    # -- building ------------------------------------------------------------------------------------
    def _program(self, command: str) -> int:
        found = self._programs.get(command)
        if found is None:
            from sessionkeeper.analyzer.normalize import program_name

            if len(self._programs) >= _MAX_TEXTS:
                self._programs.clear()
            found = self._programs[command] = self.shared.programs.of(program_name(command))
        return found

    def add(self, data: SessionData, *, archived: bool) -> None:  # noqa: PLR0915 (one pass, inline: per event)
        """Take one session the report would count (rows in log order)."""
        shared = self.shared
        session = len(self.sessions)
        times = array("d", sorted(row[1].timestamp() for row in data.rows))
        host = shared.hosts.of(data.host) if data.host else -1
        self.sessions.append(SessionMeta(data.stored_id, data.file, host, archived, times))
        self.by_id[data.stored_id] = session
        derive = not data.legacy  # old files give no durations beyond their own: never derive
        # open starts: per task id first-in first-out (as the report pairs them), and in start order
        # (a command belongs to the innermost open one); an entry is [task, at, command indices]
        open_starts: dict[str, list[list[object]]] = {}
        stack: list[list[object]] = []
        for row in data.rows:
            kind, at = row[0], row[1]
            if kind == COMMAND:
                command = row[2]
                line = shared.lines.of(command)
                owner = stack[-1] if stack else None
                self.c_at.append(at.timestamp())
                self.c_program.append(self._program(command))
                self.c_line.append(line)
                self.c_exit.append(row[3])
                duration = row[4] if len(row) > 4 else None
                self.c_dur.append(NAN if duration is None else duration)
                self.c_session.append(session)
                self.c_run.append(-1)
                self.c_task.append(shared.tasks.of(owner[0]) if owner is not None else -1)  # type: ignore[arg-type]
                if owner is not None:
                    owner[2].append(len(self.c_at) - 1)  # type: ignore[attr-defined]
                continue
            task_id = row[2]
            if kind == STARTED:
                entry: list[object] = [task_id, at, []]
                open_starts.setdefault(task_id, []).append(entry)
                stack.append(entry)
                continue
            if kind != COMPLETED:  # pragma: no cover - rows have three kinds
                continue
            starts = open_starts.get(task_id)
            start = starts.pop(0) if starts else None
            duration = row[4]
            run = len(self.r_at)
            if start is not None:
                stack[:] = [e for e in stack if e is not start]
                begun: datetime = start[1]  # type: ignore[assignment]
                if duration is None and derive and at >= begun:
                    duration = (at - begun).total_seconds()
                for index in start[2]:  # type: ignore[attr-defined]
                    self.c_run[index] = run
            self.r_at.append(at.timestamp())
            self.r_task.append(shared.tasks.of(task_id))
            self.r_ok.append(bool(row[3]))
            self.r_dur.append(NAN if duration is None else duration)
            self.r_session.append(session)
            error = row[5]
            self.r_error.append(shared.errors.of(error) if error else -1)
        for entries in open_starts.values():
            for entry in entries:
                self.s_at.append(entry[1].timestamp())  # type: ignore[attr-defined]
                self.s_task.append(shared.tasks.of(entry[0]))  # type: ignore[arg-type]
                self.s_session.append(session)

    def sort_by_time(self) -> None:
        """Put runs and commands in time order, so a period is a slice (bisection). Done once, after
        the first build of the archive; archive files added later are appended after the sorted
        part and scanned whole (they are few)."""
        self._sort("r_", ("at", "task", "ok", "dur", "session", "error"))
        order = self._sort("c_", ("at", "program", "line", "exit", "dur", "session", "run", "task"))
        del order
        self.sorted_runs, self.sorted_cmds = len(self.r_at), len(self.c_at)

    def _sort(self, prefix: str, fields: Iterable[str]) -> list[int]:
        at: array[float] = getattr(self, prefix + "at")
        order = sorted(range(len(at)), key=at.__getitem__)
        if prefix == "r_":  # commands point at runs by position: renumber them
            new_place = array("i", bytes(4 * len(order)))
            for place, old in enumerate(order):
                new_place[old] = place
            self.c_run = array("i", (new_place[r] if r >= 0 else -1 for r in self.c_run))
        for name in fields:
            column = getattr(self, prefix + name)
            setattr(self, prefix + name, array(column.typecode, (column[i] for i in order)))
        return order

    # -- reading -------------------------------------------------------------------------------------
    def run_range(self, since: float, until: float) -> Iterable[int]:
        """Positions of the runs that may fall in [since, until]: a slice of the sorted part, then
        every run added since."""
        lo = bisect_left(self.r_at, since, 0, self.sorted_runs)
        hi = bisect_right(self.r_at, until, 0, self.sorted_runs)
        yield from range(lo, hi)
        yield from range(self.sorted_runs, len(self.r_at))

    def cmd_range(self, since: float, until: float) -> Iterable[int]:
        lo = bisect_left(self.c_at, since, 0, self.sorted_cmds)
        hi = bisect_right(self.c_at, until, 0, self.sorted_cmds)
        yield from range(lo, hi)
        yield from range(self.sorted_cmds, len(self.c_at))

    def alive(self) -> bytearray:
        """1 for each session whose rows count (its archive file still exists), else 0."""
        return bytearray(1 if meta.alive else 0 for meta in self.sessions)
