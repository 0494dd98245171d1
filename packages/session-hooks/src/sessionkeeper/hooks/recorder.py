"""Writing hook calls into the current session: the only module of the hooks that imports core.

:mod:`sessionkeeper.hooks.hook` imports this module lazily, inside its guard, so a missing or
broken session-core turns the hooks into no-ops instead of breaking the runner's import.

Each call is one event (``TaskStarted``, ``CommandExecuted``, ``TaskCompleted``) appended with
``SessionManager.record`` — journaled, so it survives a crash of the runner — followed by the
summary keys that changed (:mod:`sessionkeeper.hooks.summary`).
"""

from __future__ import annotations

import logging
import math
import os
import signal
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from sessionkeeper.core import (
    CommandExecuted,
    CorruptSessionError,
    FsyncPolicy,
    SessionManager,
    SessionNotFoundError,
    StateScope,
    TaskCompleted,
    TaskStarted,
    read_current,
)

from .redaction import Redactor
from .summary import Change, Summary
from .taskdata import TaskFields, TaskInfo, bounded_head, bounded_tail, task_fields, task_info

__all__ = ["Recorder", "open_manager"]

_log = logging.getLogger("sessionkeeper.hooks")
# Core logs its own trouble (a failed checkpoint at exit, a damaged file) on "sessionkeeper.core".
# In a runner that has not configured logging, Python's last-resort handler would print that on
# the runner's stderr; a hook must print nothing. The runner's own handlers still get the records.
logging.getLogger("sessionkeeper.core").addHandler(logging.NullHandler())
_SCOPES = {"session": StateScope.SESSION, "user": StateScope.USER}
_COMMAND_LIMIT = 4096  # characters of a command line kept; longer ones end with "…"
_TASK_CACHE_SIZE = 256
_IDS_PER_FETCH = 64
_UUID_VERSION_4 = bytes(b & 0x0F | 0x40 for b in range(256))  # the high nibble of byte 6: 4
_UUID_VARIANT = bytes(b & 0x3F | 0x80 for b in range(256))  # the top bits of byte 8: the RFC 4122 variant


def open_manager(
    data_dir: str | os.PathLike[str] | None,
    user_dir: str | os.PathLike[str] | None,
    fsync: FsyncPolicy | str | None,
) -> SessionManager:
    """A manager on the data directory's current session, started only if there is none.

    ``handle_signals=False``: the runner's signal handling is its own business, and every event
    is in the journal (safe from a crash) the moment ``record()`` returns, so there is nothing a
    signal handler would need to save.
    """
    manager = SessionManager(data_dir, user_dir, fsync=fsync, handle_signals=False)
    try:
        current = read_current(manager.data_dir)
        if current is None:
            manager.start()
        else:
            try:
                manager.resume(current)
            except SessionNotFoundError:
                _log.info("sessionkeeper.hooks: current session %s is gone; starting a new one", current)
                manager.start()
            except CorruptSessionError as exc:
                _log.warning(
                    "sessionkeeper.hooks: current session is unreadable (%s); starting a new one", exc
                )
                manager.start()
    except BaseException:
        try:
            manager.stop()  # release whatever was opened before the failure
        except Exception:
            _log.debug("sessionkeeper.hooks: releasing a half-opened manager failed", exc_info=True)
        raise
    return manager


def _exit_code(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # unknown: counted as a failure, never as a success


def _seconds(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


# Forks this process descends from, counted in the child (core resets its own state the same way):
# ids drawn before a fork are the parent's to hand out, never the child's too.
_forks = [0]


def _count_fork() -> None:
    _forks[0] += 1


if hasattr(os, "register_at_fork"):  # POSIX; elsewhere there is no fork
    os.register_at_fork(after_in_child=_count_fork)


class _EventIds:
    """Event ids in the form core gives them (``uuid.uuid4().hex``), for a sixth of the cost.

    ``uuid4()`` costs ~4 µs an event (a getrandom call, then a UUID object that re-validates the
    bytes); here one ``os.urandom`` call makes 64 ids at once and an id is a ``list.pop()``,
    which is atomic, so threads never share one.
    """

    __slots__ = ("_forks", "_ids")

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._forks = _forks[0]

    def next(self) -> str:
        if self._forks != _forks[0]:  # a forked child: forget what the parent drew
            self._ids, self._forks = [], _forks[0]
        ids = self._ids
        try:
            return ids.pop()
        except IndexError:
            raw = bytearray(os.urandom(16 * _IDS_PER_FETCH))
            raw[6::16] = raw[6::16].translate(_UUID_VERSION_4)
            raw[8::16] = raw[8::16].translate(_UUID_VARIANT)
            text = raw.hex()
            ids.extend(text[i : i + 32] for i in range(32, len(text), 32))
            return text[:32]


def _iso(moment: datetime) -> str:
    """``moment.isoformat()`` for a UTC time, the same text (RFC 3339, microseconds when not 0,
    "+00:00"), by orjson for a third of datetime's own cost."""
    return orjson.dumps(moment)[1:-1].decode()


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


class Recorder:
    """Turns hook calls into events and summary keys of one open session (thread-safe)."""

    def __init__(self, manager: SessionManager, redactor: Redactor, *, limit: int, text_limit: int) -> None:
        self._manager = manager
        self._redact = redactor.redact
        self._redact_command = redactor.redact_command
        self._text_limit = text_limit
        self._lock = threading.Lock()
        self._summary = Summary.load(lambda key, scope: manager.get(key, _SCOPES[scope]), limit)
        self._task_id: str | None = None  # the task commands belong to (the last one started)
        self._cwd: tuple[str, str] = ("", "")  # (raw, redacted): the cwd rarely changes
        self._tasks: dict[TaskFields, TaskInfo] = {}  # a task is seen at least twice: start and end
        self._ids = _EventIds()

    @property
    def session_id(self) -> str | None:
        """The id of the session being written."""
        return self._manager.session_id

    def close(self) -> None:
        """Checkpoint and release the session (the atexit handler of core would do it too)."""
        self._manager.stop()

    # -- calls -----------------------------------------------------------------------------------
    def task_started(self, task_data: Any) -> None:
        """Record ``TaskStarted``; the task becomes the one later commands belong to."""
        task = self._task(task_data)
        now = datetime.now(UTC)
        event = TaskStarted(
            task_id=task.task_id, title=task.title, source=task.source, at=now, id=self._ids.next()
        )
        with self._lock:
            self._manager.record(event)
            self._task_id = task.task_id
            self._apply(self._summary.task_started(task, _iso(now)))

    def command_executed(
        self,
        command: str | Sequence[Any] | Any,
        exit_code: Any,
        duration: Any,
        cwd: str | os.PathLike[str] | None,
        stdout: str | bytes | None,
        stderr: str | bytes | None,
    ) -> None:
        """Record ``CommandExecuted`` (with the redacted output tail if it failed)."""
        code = _exit_code(exit_code)
        line = self._command_line(command)
        if len(line) > _COMMAND_LIMIT:
            line = line[:_COMMAND_LIMIT] + "…"
        error = None
        if code != 0:
            error = bounded_tail(stderr, self._text_limit, self._redact) or bounded_tail(
                stdout, self._text_limit, self._redact
            )
        event = CommandExecuted(
            command=line,
            exit_code=code,
            duration=_seconds(duration),
            cwd=self._directory(cwd),
            task_id=self._task_id,
            error=error,
            at=datetime.now(UTC),
            id=self._ids.next(),
        )
        with self._lock:
            self._manager.record(event)
            if code != 0:
                message = f"{line} {_describe_exit(code)}"
                if error:
                    message += ": " + error.rsplit("\n", 1)[-1]
                self._apply(self._summary.command_failed(message))

    def task_completed(self, task_data: Any, success: Any, execution_time: Any, error_msg: Any) -> None:
        """Record ``TaskCompleted`` and update the summary keys and USER counters."""
        task = self._task(task_data)
        ok = bool(success)
        elapsed = _seconds(execution_time)
        error = None
        if error_msg is not None and error_msg != "":
            text = error_msg.decode("utf-8", "replace") if isinstance(error_msg, bytes) else str(error_msg)
            error = bounded_head(text, self._text_limit, self._redact)
        now = datetime.now(UTC)
        event = TaskCompleted(
            task_id=task.task_id,
            success=ok,
            duration=elapsed,
            error=error,
            title=task.title,
            at=now,
            id=self._ids.next(),
        )
        with self._lock:
            self._manager.record(event)
            if self._task_id == task.task_id:
                self._task_id = None
            self._apply(self._summary.task_completed(task, ok, elapsed, error, _iso(now)))

    def last_failed_task(self) -> dict[str, Any] | None:
        """The newest ``failed_tasks`` entry with its ``task_id``, or None."""
        with self._lock:
            failed = self._summary.failed_tasks
            if not failed:
                return None
            task_id = next(reversed(failed))
            entry = failed[task_id]
            return {"task_id": task_id, **(entry if isinstance(entry, dict) else {"error": entry})}

    def report(self) -> dict[str, Any]:
        """What ``get_execution_summary()`` returns while recording."""
        with self._lock:
            return {"enabled": True, "session_id": self._manager.session_id, **self._summary.report()}

    # -- internals -------------------------------------------------------------------------------
    def _apply(self, changes: list[Change]) -> None:
        manager = self._manager
        for key, value, scope in changes:
            manager.set(key, value, _SCOPES[scope])

    def _task(self, task_data: Any) -> TaskInfo:
        fields = task_fields(task_data)
        task = self._tasks.get(fields)
        if task is None:
            if len(self._tasks) >= _TASK_CACHE_SIZE:
                self._tasks.clear()
            task = self._tasks[fields] = task_info(fields, self._redact, self._text_limit)
        return task

    def _command_line(self, command: Any) -> str:
        if isinstance(command, bytes):
            command = command.decode("utf-8", "replace")
        if isinstance(command, str):
            return self._redact_command(command)
        # A list or any iterable of arguments (the filter turns paths and bytes into text).
        if type(command) is not list and type(command) is not tuple:
            try:
                command = list(command)
            except TypeError:  # not iterable: record what it says of itself
                return self._redact_command(str(command))
        return self._redact_command(command)

    def _directory(self, cwd: str | os.PathLike[str] | None) -> str | None:
        if cwd is None:
            try:
                raw = os.getcwd()
            except OSError:  # the runner's working directory was deleted
                return None
        else:
            raw = os.fspath(cwd) if not isinstance(cwd, str) else cwd
            if isinstance(raw, bytes):
                raw = os.fsdecode(raw)
        cached_raw, cached = self._cwd
        if raw != cached_raw:
            cached = bounded_head(raw, self._text_limit, self._redact) or ""
            self._cwd = (raw, cached)
        return cached or None
