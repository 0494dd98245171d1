"""One task's history, out of the index: its runs, their outcomes and durations, its errors, its
commands (the commands run inside its runs), for the Task page."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime

import attrs

from .index import Segment
from .query import LocalClock

__all__ = ["TaskHistory", "TaskRun", "task_history"]

_KEPT_RUNS = 200  # the latest runs listed; the counts cover every run


@attrs.frozen
class TaskRun:
    at: datetime
    ok: bool
    duration: float | None
    session_id: str
    error: str | None


@attrs.frozen
class CommandUse:
    command: str
    runs: int
    failed: int


@attrs.frozen
class TaskHistory:
    task_id: str
    runs: int
    failed: int
    timed: int
    total_seconds: float
    first: datetime | None
    last: datetime | None
    latest: list[TaskRun]  # newest first
    errors: list[TaskRun]  # the latest failed runs with an error, newest first
    commands: list[CommandUse]  # most run first
    # local day -> [runs, failed, duration µs of timed runs, timed runs]
    by_day: dict[date, list[int]]


def task_history(segments: Sequence[Segment], task_id: str, tz: object) -> TaskHistory | None:
    """Every run of ``task_id`` (None: no such task), days local to ``tz``."""
    if not segments:
        return None
    shared = segments[0].shared
    task = shared.tasks.find(task_id)
    if task is None:
        return None
    clock = LocalClock(tz)  # type: ignore[arg-type]
    found: list[tuple[float, bool, float, str, int]] = []
    commands: dict[int, list[int]] = {}
    by_day: dict[date, list[int]] = {}
    for segment in segments:
        alive = segment.alive()
        ids = [meta.session_id for meta in segment.sessions]
        r_task = segment.r_task
        for i in range(len(r_task)):
            if r_task[i] != task or not alive[segment.r_session[i]]:
                continue
            at, ok, duration = segment.r_at[i], bool(segment.r_ok[i]), segment.r_dur[i]
            found.append((at, ok, duration, ids[segment.r_session[i]], segment.r_error[i]))
            day = by_day.setdefault(clock(at)[0], [0, 0, 0, 0])
            day[0] += 1
            day[1] += not ok
            if not math.isnan(duration):
                day[2] += round(duration * 1_000_000)
                day[3] += 1
        c_task = segment.c_task
        for i in range(len(c_task)):
            if c_task[i] == task and alive[segment.c_session[i]]:
                key = segment.c_line[i] if segment.c_line[i] >= 0 else -1 - segment.c_program[i]
                counts = commands.setdefault(key, [0, 0])
                counts[0] += 1
                counts[1] += segment.c_exit[i] != 0
    found.sort(key=lambda run: run[0], reverse=True)

    def run_of(item: tuple[float, bool, float, str, int]) -> TaskRun:
        at, ok, duration, session_id, error = item
        return TaskRun(
            datetime.fromtimestamp(at, UTC),
            ok,
            None if math.isnan(duration) else duration,
            session_id,
            shared.errors[error] if error >= 0 else None,
        )

    timed = [run[2] for run in found if not math.isnan(run[2])]
    errors = [run_of(run) for run in found if not run[1] and run[4] >= 0][:10]
    uses = [
        CommandUse(shared.lines[key] if key >= 0 else shared.programs[-1 - key], runs, failed)
        for key, (runs, failed) in commands.items()
    ]
    uses.sort(key=lambda use: (-use.runs, use.command))
    return TaskHistory(
        task_id=task_id,
        runs=len(found),
        failed=sum(1 for run in found if not run[1]),
        timed=len(timed),
        total_seconds=sum(timed),
        first=datetime.fromtimestamp(found[-1][0], UTC) if found else None,
        last=datetime.fromtimestamp(found[0][0], UTC) if found else None,
        latest=[run_of(run) for run in found[:_KEPT_RUNS]],
        errors=errors,
        commands=uses[:50],
        by_day=by_day,
    )
