"""The runs of one kind as numpy arrays, grouped (task / command) and in time order within a group.

Everything the insights compute is vectorised over these columns; a group's runs are the slice
``starts[g]:starts[g + 1]``. Local hours and weekdays are computed once per distinct UTC hour of
the data (a zone lookup per hour, not per run), exactly as the report's counting does, and run by
run where the zone's offset is not constant over that hour (half-hour zones, a DST change).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo

import attrs
import numpy as np
import numpy.typing as npt

from .collect import Columns

__all__ = ["RunTable", "local_hours"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


@attrs.frozen(eq=False)
class RunTable:
    names: list[str]  # group index -> name
    group: I64
    at: F64  # UTC seconds
    failed: B
    duration: F64  # NaN: unknown
    session: I64
    hour: I64  # local hour 0..23
    weekday: I64  # 0 = Monday
    starts: I64  # group g's runs are starts[g]:starts[g + 1]

    def __len__(self) -> int:
        return len(self.group)

    @property
    def groups(self) -> int:
        return len(self.names)

    def slice(self, group: int) -> slice:
        return slice(int(self.starts[group]), int(self.starts[group + 1]))

    @staticmethod
    def build(
        names: Sequence[str],
        group: npt.ArrayLike,
        at: npt.ArrayLike,
        failed: npt.ArrayLike,
        duration: npt.ArrayLike,
        session: npt.ArrayLike,
        zone: tzinfo,
    ) -> RunTable:
        """The table of these columns (any order), local times in ``zone``."""
        g = np.asarray(group, dtype=np.int64)
        t = np.asarray(at, dtype=np.float64)
        order = np.lexsort((t, g))  # by group, then time (stable: log order among equal times)
        g, t = g[order], t[order]
        hour, weekday = local_hours(t, zone)
        counts = np.bincount(g, minlength=len(names)) if len(g) else np.zeros(len(names), dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        return RunTable(
            names=list(names),
            group=g,
            at=t,
            failed=np.asarray(failed, dtype=np.bool_)[order],
            duration=np.asarray(duration, dtype=np.float64)[order],
            session=np.asarray(session, dtype=np.int64)[order],
            hour=hour,
            weekday=weekday,
            starts=starts,
        )

    @staticmethod
    def from_columns(columns: Columns, zone: tzinfo) -> RunTable:
        return RunTable.build(
            columns.names,
            np.frombuffer(columns.group, dtype=np.int32) if len(columns) else [],
            np.frombuffer(columns.at, dtype=np.float64) if len(columns) else [],
            np.frombuffer(columns.failed, dtype=np.int8) if len(columns) else [],
            np.frombuffer(columns.duration, dtype=np.float64) if len(columns) else [],
            np.frombuffer(columns.session, dtype=np.int32) if len(columns) else [],
            zone,
        )


def local_hours(at: F64, zone: tzinfo) -> tuple[I64, I64]:
    """(local hour, weekday) of every UTC time in ``at`` (seconds), in ``zone``."""
    if not len(at):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    utc_hours = np.floor(at / 3600.0).astype(np.int64)
    unique, inverse = np.unique(utc_hours, return_inverse=True)
    hour_of = np.empty(len(unique), dtype=np.int64)
    day_of = np.empty(len(unique), dtype=np.int64)
    steady = np.ones(len(unique), dtype=np.bool_)
    last_second = timedelta(hours=1) - timedelta(microseconds=1)
    for index, value in enumerate(unique.tolist()):
        start = datetime.fromtimestamp(value * 3600, UTC)
        first, last = start.astimezone(zone), (start + last_second).astimezone(zone)
        hour_of[index], day_of[index] = first.hour, first.weekday()
        steady[index] = first.hour == last.hour and first.date() == last.date()
    hours, days = hour_of[inverse], day_of[inverse]
    for position in np.flatnonzero(~steady[inverse]).tolist():  # rare: offset not whole in this hour
        local = datetime.fromtimestamp(float(at[position]), UTC).astimezone(zone)
        hours[position], days[position] = local.hour, local.weekday()
    return hours, days
