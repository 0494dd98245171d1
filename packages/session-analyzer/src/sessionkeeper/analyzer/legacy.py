"""Task records of the old session tool, turned into core's events without counting anything twice.

The old tool's task hook kept one task run in up to three places at once, which is why its
analyzer counted every task two or three times:

* ``task_history``: one ``{"task_id", "started_at", "status": "started"}`` per run started;
* ``current_task``: the latest run, with ``status`` (``running`` | ``success`` | ``failed``),
  ``completed_at``, ``execution_time`` (seconds) and ``error`` once it ended;
* ``completed_tasks`` (a list of ids, one per success) and ``failed_tasks`` (``{id: {"error",
  "timestamp"}}``, so only the *latest* failure of an id is kept) — which also hold the outcome of
  ``current_task``.

Rule: **every ``task_history`` entry is one run** (a ``TaskStarted``). Outcomes are then matched
to runs, each record used once:

1. a finished ``current_task`` ends the last run of its id that started before it completed, and
   consumes the ``completed_tasks`` occurrence or ``failed_tasks`` entry that records the same
   outcome (a failure recorded at or after that run started); a running one marks that run as
   still in progress;
2. each remaining ``failed_tasks`` entry ends the latest open run of its id that started before
   the failure;
3. each remaining ``completed_tasks`` occurrence ends the earliest open run of its id;
4. an outcome with no run to end (the history was trimmed, or a guide-style session that only
   lists ``completed_tasks``) is still one task run: a ``TaskCompleted`` alone.

Times: a failure has its ``timestamp``, the current task its ``completed_at``; a success from
``completed_tasks`` has no time of its own, so it is placed at its run's start (or, without a run,
at the session's last checkpoint). Durations are known only from ``execution_time``; the old tool's
wall-clock stamps do not measure execution, so no duration is derived from them.

``TEMP command_log`` entries (``command``, ``exit_code``, ``timestamp``) become
``CommandExecuted``. USER ``execution_stats`` are cumulative counters carried from session to
session, so they are never added up: they only give a cross-check (a session's counter can never be
below the runs that session holds).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

import attrs

from sessionkeeper.core import CommandExecuted, Event, SessionkeeperError, TaskCompleted, TaskStarted

from .errors import LegacyFormatError
from .rows import MAX_TASK_ID

__all__ = ["LegacyFormatError", "LegacyTasks", "Values", "legacy_events"]

_DONE = {"success": True, "completed": True, "failed": False, "failure": False, "error": False}
_RUNNING = frozenset({"running", "started", "in_progress"})


class Values(Protocol):
    """A SESSION scope to read from (``SessionView`` is one)."""

    def get(self, key: str, default: Any = None) -> Any: ...


@attrs.frozen
class LegacyTasks:
    """What an old-tool session holds, as events, plus its cumulative counter for a cross-check."""

    events: list[Event]
    execution_stats_total: int | None  # USER execution_stats.total_executions, if present


@attrs.define
class _Run:
    task_id: str
    started: datetime
    title: str | None = None
    in_progress: bool = False
    ended: TaskCompleted | None = None


def _time(value: object, what: str) -> datetime:
    if not isinstance(value, str):
        raise LegacyFormatError(f"{what} is not a date-time string")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise LegacyFormatError(f"{what} is not an ISO date-time: {value[:40]!r}") from None


def _task_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_TASK_ID:
        raise LegacyFormatError(f"{what} is not a task id (a string of 1-{MAX_TASK_ID} characters)")
    return value


def _text(value: object, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise LegacyFormatError(f"{what} is not a string")
    return value


def _seconds(value: object, what: str) -> float | None:
    if value is None:
        return None
    if type(value) not in (int, float) or not math.isfinite(value) or value < 0:  # type: ignore[arg-type,operator]
        raise LegacyFormatError(f"{what} is not a non-negative number of seconds")
    return float(value)  # type: ignore[arg-type]


def _value(values: Values, key: str) -> Any:
    try:
        return values.get(key)
    except SessionkeeperError as exc:  # a tagged value that does not decode
        raise LegacyFormatError(f"{key}: {exc}") from None


def _runs(history: object) -> list[_Run]:
    if history is None:
        return []
    if not isinstance(history, list):
        raise LegacyFormatError("task_history is not a list")
    runs = []
    for i, entry in enumerate(history):
        if not isinstance(entry, dict):
            raise LegacyFormatError(f"task_history[{i}] is not an object")
        runs.append(
            _Run(
                _task_id(entry.get("task_id"), f"task_history[{i}].task_id"),
                _time(entry.get("started_at"), f"task_history[{i}].started_at"),
                _text(entry.get("title"), f"task_history[{i}].title"),
            )
        )
    return runs


def _completed(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise LegacyFormatError("completed_tasks is not a list")
    return [_task_id(item, f"completed_tasks[{i}]") for i, item in enumerate(value)]


@attrs.define
class _Failure:
    task_id: str
    at: datetime
    error: str | None
    used: bool = False


def _failures(value: object) -> list[_Failure]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise LegacyFormatError("failed_tasks is not an object")
    failures = []
    for key, record in value.items():
        task_id = _task_id(key, "a failed_tasks key")
        if not isinstance(record, dict):
            raise LegacyFormatError(f"failed_tasks[{key!r}] is not an object")
        failures.append(
            _Failure(
                task_id,
                _time(record.get("timestamp"), f"failed_tasks[{key!r}].timestamp"),
                _text(record.get("error"), f"failed_tasks[{key!r}].error"),
            )
        )
    failures.sort(key=lambda f: f.at)
    return failures


def _open_runs(runs: list[_Run], task_id: str) -> list[_Run]:
    return [run for run in runs if run.task_id == task_id and run.ended is None and not run.in_progress]


def _apply_current(current: object, runs: list[_Run], completed: list[str], failures: list[_Failure]) -> None:
    """Rule 1: the current task's outcome, and the duplicate record of it that the hook also kept."""
    if not isinstance(current, dict):
        return  # absent, or a label as in the guide's examples ("current_task": "feature_x")
    task_id = _task_id(current.get("task_id"), "current_task.task_id")
    status = current.get("status")
    if not isinstance(status, str):
        raise LegacyFormatError("current_task.status is not a string")
    completed_at = current.get("completed_at")
    done = status in _DONE and completed_at is not None
    ended = _time(completed_at, "current_task.completed_at") if done else None
    candidates = [
        run
        for run in runs
        if run.task_id == task_id and run.ended is None and (ended is None or run.started <= ended)
    ]
    run = candidates[-1] if candidates else None
    if ended is None:
        if run is not None and status in _RUNNING:
            run.in_progress = True
        return
    success = _DONE[status]
    title = _text(current.get("title"), "current_task.title")
    if run is None:
        started = current.get("started_at")
        run = _Run(
            task_id, _time(started, "current_task.started_at") if started is not None else ended, title
        )
        runs.append(run)
    run.ended = TaskCompleted(
        task_id=task_id,
        success=success,
        duration=_seconds(current.get("execution_time"), "current_task.execution_time"),
        error=_text(current.get("error"), "current_task.error"),
        title=title,
        at=ended,
    )
    if success:
        if task_id in completed:
            completed.remove(task_id)
        return
    for failure in failures:
        if failure.task_id == task_id and not failure.used and failure.at >= run.started:
            failure.used = True
            break


def _commands(log: object) -> list[Event]:
    if log is None:
        return []
    if not isinstance(log, list):
        raise LegacyFormatError("temp.command_log is not a list")
    events: list[Event] = []
    for i, entry in enumerate(log):
        if not isinstance(entry, dict):
            raise LegacyFormatError(f"command_log[{i}] is not an object")
        command = entry.get("command")
        if not isinstance(command, str):
            raise LegacyFormatError(f"command_log[{i}].command is not a string")
        exit_code = entry.get("exit_code")
        if exit_code is None and type(entry.get("success")) is bool:
            exit_code = 0 if entry["success"] else 1
        if type(exit_code) is not int:
            raise LegacyFormatError(f"command_log[{i}].exit_code is not an integer")
        at = _time(entry.get("timestamp"), f"command_log[{i}].timestamp")
        events.append(CommandExecuted(command=command, exit_code=exit_code, at=at))
    return events


def legacy_events(
    values: Values, temp: Mapping[str, Any], user: Mapping[str, Any], fallback_time: datetime
) -> LegacyTasks:
    """The events of an old-tool session, by the rule in this module's docstring.

    ``values`` is the session's SESSION scope (anything with ``get``, e.g. a ``SessionView``),
    ``temp`` and ``user`` its TEMP and USER scopes as written in the file, ``fallback_time`` the
    time given to a success that has no time of its own and no run (the last checkpoint). Raises
    :class:`LegacyFormatError` when a task record is not of the old tool's shapes.
    """
    runs = _runs(_value(values, "task_history"))
    completed = _completed(_value(values, "completed_tasks"))
    failures = _failures(_value(values, "failed_tasks"))
    _apply_current(_value(values, "current_task"), runs, completed, failures)
    orphans: list[TaskCompleted] = []
    for failure in failures:  # rule 2
        if failure.used:
            continue
        open_runs = [run for run in _open_runs(runs, failure.task_id) if run.started <= failure.at]
        ended = TaskCompleted(task_id=failure.task_id, success=False, error=failure.error, at=failure.at)
        if open_runs:
            open_runs[-1].ended = ended
        else:
            orphans.append(ended)
    for task_id in completed:  # rule 3
        open_runs = _open_runs(runs, task_id)
        if open_runs:
            run = open_runs[0]
            run.ended = TaskCompleted(task_id=task_id, success=True, title=run.title, at=run.started)
        else:
            orphans.append(TaskCompleted(task_id=task_id, success=True, at=fallback_time))
    events: list[Event] = []
    for run in runs:
        events.append(TaskStarted(task_id=run.task_id, title=run.title, at=run.started))
        if run.ended is not None:
            events.append(run.ended)
    events += orphans
    events += _commands(temp.get("command_log"))
    events.sort(key=lambda event: event.at)  # stable: a start stays before its own end
    return LegacyTasks(events, _execution_total(user.get("execution_stats")))


def _execution_total(stats: object) -> int | None:
    if not isinstance(stats, dict):
        return None
    total = stats.get("total_executions")
    return total if type(total) is int and total >= 0 else None
