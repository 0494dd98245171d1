"""The one pass: compact per-run features taken from the report's own stream of sessions.

:class:`InsightsCollector` is handed every session the report counts (``analysis.analyze``'s
``observers``), in the same pass, after the same de-duplication. It keeps, per task run and per
command run in the period, five numbers in flat ``array`` columns — who (an index into the task
ids or command keys), when (UTC seconds), failed or not, duration (NaN when unknown) and which
session — about 29 bytes a run instead of the rows themselves (a million events: ~25 MB). Nothing
here imports numpy: the columns become arrays in :mod:`.table`, once, at the end.

A task run is its ``TaskCompleted``, as in the report; a duration the completion lacks is taken
from its ``TaskStarted`` (first in, first out per task id within the session), as the report's
counting does (old-tool files never derive one). A command run is its ``CommandExecuted``, failed
when its exit code is not 0; it is grouped by :func:`.commands.command_key`.
"""

from __future__ import annotations

import math
from array import array
from datetime import UTC, datetime

from sessionkeeper.analyzer.period import Period
from sessionkeeper.analyzer.rows import COMMAND, STARTED
from sessionkeeper.analyzer.sources import SessionData

from .commands import command_key

__all__ = ["Columns", "InsightsCollector"]

_NAN = math.nan
_CACHE_LIMIT = 100_000  # raw command lines remembered with their key; beyond, start over


class Columns:
    """Runs of one kind (tasks or commands), column by column, in the order they were seen."""

    def __init__(self) -> None:
        self.names: list[str] = []  # group index -> task id / command key
        self.index: dict[str, int] = {}
        self.group = array("i")
        self.at = array("d")  # UTC seconds since the epoch
        self.failed = array("b")
        self.duration = array("d")  # seconds; NaN when unknown
        self.session = array("i")  # index into InsightsCollector.sessions

    def group_of(self, name: str) -> int:
        found = self.index.get(name)
        if found is None:
            found = self.index[name] = len(self.names)
            self.names.append(name)
        return found

    def append(self, group: int, at: float, failed: bool, duration: float | None, session: int) -> None:
        self.group.append(group)
        self.at.append(at)
        self.failed.append(failed)
        self.duration.append(_NAN if duration is None else duration)
        self.session.append(session)

    def __len__(self) -> int:
        return len(self.group)


class InsightsCollector:
    """Collects the runs of one period; an observer of :func:`analysis.analyze`."""

    def __init__(self, period: Period) -> None:
        self.period = period
        self._since = period.since.astimezone(UTC)
        self._until = period.until.astimezone(UTC)
        self.tasks = Columns()
        self.commands = Columns()
        self.sessions: list[str] = []  # the stored ids of the sessions, in the order they came
        self._keys: dict[str, int] = {}  # raw command line -> group index

    def _command_group(self, command: str) -> int:
        found = self._keys.get(command)
        if found is None:
            if len(self._keys) >= _CACHE_LIMIT:
                self._keys.clear()
            found = self._keys[command] = self.commands.group_of(command_key(command))
        return found

    def add(self, data: SessionData) -> None:
        """Take the runs of one session the report counts."""
        since, until = self._since, self._until
        session = len(self.sessions)
        self.sessions.append(data.stored_id)
        derive = not data.legacy
        tasks, commands = self.tasks, self.commands
        open_starts: dict[str, list[datetime]] = {}
        for row in data.rows:
            kind, at = row[0], row[1]
            if kind == COMMAND:
                if since <= at <= until:
                    duration = row[4] if len(row) > 4 else None
                    group = self._command_group(row[2])
                    commands.append(group, at.timestamp(), row[3] != 0, duration, session)
                continue
            task_id = row[2]
            if kind == STARTED:
                open_starts.setdefault(task_id, []).append(at)
                continue
            starts = open_starts.get(task_id)
            start = starts.pop(0) if starts else None
            if since <= at <= until:
                duration = row[4]
                if duration is None and derive and start is not None and at >= start:
                    duration = (at - start).total_seconds()
                tasks.append(tasks.group_of(task_id), at.timestamp(), not row[3], duration, session)
