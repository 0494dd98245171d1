"""The hook a task runner calls: :func:`get_hook` and :class:`TaskExecutorSessionHook`.

A hook must never harm the runner that calls it. So:

* importing this module imports nothing of session-core; the session is opened on the first
  call (resumed if the data directory has a current session, started if it has none) and kept
  open for the hook's life;
* if session-core is missing or broken, the data directory cannot be written, or an extra
  redaction pattern is invalid, the hook becomes a no-op and says so once, as a warning on the
  ``sessionkeeper.hooks`` logger;
* no exception leaves a hook method (``KeyboardInterrupt`` and ``SystemExit`` are the runner's,
  not the hook's, and pass through), and nothing is printed: diagnostics go to logging only.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .summary import DEFAULT_LIMIT

if TYPE_CHECKING:
    from .forecasting import Forecast
    from .recorder import Recorder

__all__ = [
    "DEFAULT_TEXT_LIMIT",
    "TaskExecutorSessionHook",
    "forecast",
    "get_execution_summary",
    "get_hook",
    "on_command_execute",
    "on_task_complete",
    "on_task_start",
]

_log = logging.getLogger("sessionkeeper.hooks")
# A library must not print: without this handler, Python's "last resort" handler would write our
# warnings to the runner's stderr when the runner has not configured logging. Records still
# propagate to whatever handlers the runner did configure.
_log.addHandler(logging.NullHandler())

DEFAULT_TEXT_LIMIT = 2000  # characters kept of an error message or of a failed command's output


class TaskExecutorSessionHook:
    """Records a task runner's tasks and commands in the current session.

    ``data_dir``/``user_dir``/``fsync`` default to session-core's settings (``SESSIONKEEPER_DATA_DIR``
    or ``./RUNS``, ...). ``redact_patterns`` adds secret patterns to the built-in filter (and to
    ``SESSIONKEEPER_REDACT_PATTERNS``). ``history_limit`` bounds the summary lists
    (``task_history``, ``completed_tasks``, ``failed_tasks``); ``text_limit`` bounds stored texts.
    The constructor does no work and cannot fail: everything happens on the first call.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        user_dir: str | os.PathLike[str] | None = None,
        *,
        redact_patterns: Iterable[str | re.Pattern[str]] = (),
        fsync: str | None = None,
        history_limit: int = DEFAULT_LIMIT,
        text_limit: int = DEFAULT_TEXT_LIMIT,
    ) -> None:
        self._data_dir = data_dir
        self._user_dir = user_dir
        try:
            self._patterns: tuple[str | re.Pattern[str], ...] | None = tuple(redact_patterns)
        except Exception:
            self._patterns = None  # not a collection of patterns: _open will refuse to record
        self._fsync = fsync
        self._history_limit = history_limit
        self._text_limit = text_limit
        self._lock = threading.Lock()
        self._recorder: Recorder | None = None
        self._disabled: str | None = None  # why the hook is a no-op, once it is
        self._pid = os.getpid()
        self._failures = 0

    # -- the runner's calls ------------------------------------------------------------------------
    def on_task_start(self, task_data: Any) -> None:
        """A task began. ``task_data``: the parsed task contract (``task_id``, ``title``, its path
        as ``_file_path``), an object with those attributes, or a task id."""
        try:
            recorder = self._active()
            if recorder is not None:
                recorder.task_started(task_data)
        except Exception as exc:
            self._failed("on_task_start", exc)

    def on_command_execute(
        self,
        command: str | Sequence[Any],
        exit_code: int,
        *,
        duration: float | None = None,
        cwd: str | os.PathLike[str] | None = None,
        stdout: str | bytes = "",
        stderr: str | bytes = "",
    ) -> None:
        """A command ran. ``command``: a string or an argument list; ``cwd`` defaults to the
        current directory. The output is kept only when the command failed (its redacted tail)."""
        try:
            recorder = self._active()
            if recorder is not None:
                recorder.command_executed(command, exit_code, duration, cwd, stdout, stderr)
        except Exception as exc:
            self._failed("on_command_execute", exc)

    def on_task_complete(
        self, task_data: Any, success: bool, execution_time: float, error_msg: str | None = None
    ) -> None:
        """A task ended, successfully or not, after ``execution_time`` seconds."""
        try:
            recorder = self._active()
            if recorder is not None:
                recorder.task_completed(task_data, success, execution_time, error_msg)
        except Exception as exc:
            self._failed("on_task_complete", exc)

    def get_execution_summary(self) -> dict[str, Any]:
        """The old hook's figures (``total_executions``, ``successful``, ``failed``,
        ``avg_execution_time``, ``total_time``, ``session_completed``, ``session_failed``,
        ``success_rate``) plus ``session_id``; ``{"enabled": False}`` when the hook is a no-op."""
        try:
            recorder = self._active()
            return {"enabled": False} if recorder is None else recorder.report()
        except Exception as exc:
            self._failed("get_execution_summary", exc)
            return {"enabled": True, "error": f"{exc.__class__.__name__}: summary unavailable"}

    def forecast(self, task_data: Any) -> Forecast | None:
        """How long ``task_data``'s next run will take (P50/P90 of its last 30 successful runs,
        from 3 on) and how many of its last 10 runs failed, from this hook's data directory; None
        when no forecast can be made. Reads only (the session is not opened), within 0.5 s; never
        raises. ``str(result.message())``: "usually 2m10s (p90 3m40s); failed 3 of the last 10 runs"."""
        try:
            from .forecasting import forecast

            return forecast(task_data, data_dir=self._data_dir)
        except Exception as exc:
            self._failed("forecast", exc)
            return None

    def get_last_failed_task(self) -> dict[str, Any] | None:
        """The latest entry of ``failed_tasks`` (``task_id``, ``error``, ``timestamp``), or None."""
        try:
            recorder = self._active()
            return None if recorder is None else recorder.last_failed_task()
        except Exception as exc:
            self._failed("get_last_failed_task", exc)
            return None

    # -- state -------------------------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        """Whether calls are recorded (opens the session if that has not happened yet)."""
        try:
            return self._active() is not None
        except Exception as exc:
            self._failed("enabled", exc)
            return False

    @property
    def session_id(self) -> str | None:
        """The id of the session being written, or None."""
        try:
            recorder = self._active()
            return None if recorder is None else recorder.session_id
        except Exception as exc:
            self._failed("session_id", exc)
            return None

    def close(self) -> None:
        """Checkpoint and release the session now (a later call opens it again).

        Not required: session-core's exit handler does the same when the process ends.
        """
        with self._lock:
            recorder, self._recorder = self._recorder, None
        if recorder is not None:
            try:
                recorder.close()
            except Exception as exc:
                self._failed("close", exc)

    # -- internals ---------------------------------------------------------------------------------
    def _active(self) -> Recorder | None:
        recorder = self._recorder
        if recorder is not None and self._pid == os.getpid():
            return recorder
        if self._disabled is not None:
            return None
        with self._lock:
            if self._pid != os.getpid():
                # A forked child: core made the parent's manager forget its files; open our own.
                self._recorder, self._pid = None, os.getpid()
            if self._recorder is None and self._disabled is None:
                self._recorder = self._open()
            return self._recorder

    def _open(self) -> Recorder | None:
        try:
            from . import recorder as recording  # the one import of session-core
            from .redaction import Redactor
        except Exception as exc:
            return self._disabled_because(f"session-core is unavailable ({exc.__class__.__name__}: {exc})")
        try:
            if self._patterns is None:
                raise TypeError("redact_patterns must be a collection of regular expressions")
            redactor = Redactor(self._patterns)
        except Exception as exc:
            # Recording without the filter the user asked for could store a secret: record nothing.
            return self._disabled_because(f"{exc}; nothing will be recorded")
        if (
            type(self._history_limit) is not int
            or self._history_limit < 1
            or type(self._text_limit) is not int
        ):
            return self._disabled_because("history_limit and text_limit must be positive integers")
        try:
            manager = recording.open_manager(self._data_dir, self._user_dir, self._fsync)
        except Exception as exc:
            where = self._data_dir or os.environ.get("SESSIONKEEPER_DATA_DIR") or "./RUNS"
            return self._disabled_because(
                f"no session can be opened in {where} ({exc.__class__.__name__}: {exc})"
            )
        try:
            return recording.Recorder(
                manager, redactor, limit=self._history_limit, text_limit=max(self._text_limit, 80)
            )
        except Exception as exc:
            try:
                manager.stop()
            except Exception:
                _log.debug("sessionkeeper.hooks: stopping the manager failed", exc_info=True)
            return self._disabled_because(
                f"the session's summary keys cannot be read ({exc.__class__.__name__}: {exc})"
            )

    def _disabled_because(self, reason: str) -> Recorder | None:
        """Become a no-op for good, saying why once; returns None (no recorder) for ``_open``."""
        self._disabled = reason
        _log.warning("sessionkeeper.hooks: not recording tasks: %s", reason)
        return None

    def _failed(self, call: str, exc: Exception) -> None:
        # Keep trying on later calls (a full disk may be freed), but warn only once.
        self._failures += 1
        level = logging.WARNING if self._failures == 1 else logging.DEBUG
        _log.log(level, "sessionkeeper.hooks: %s failed, ignored: %s: %s", call, exc.__class__.__name__, exc)
        _log.debug("sessionkeeper.hooks: %s failure details", call, exc_info=exc)


_hook: TaskExecutorSessionHook | None = None
_hook_lock = threading.Lock()


def get_hook() -> TaskExecutorSessionHook:
    """The process-wide hook (the same object on every call), configured from the environment."""
    global _hook  # noqa: PLW0603 - the guide's process-wide hook
    hook = _hook
    if hook is None:
        with _hook_lock:
            if _hook is None:
                _hook = TaskExecutorSessionHook()
            hook = _hook
    return hook


def on_task_start(task_data: Any) -> None:
    """``get_hook().on_task_start(task_data)``."""
    get_hook().on_task_start(task_data)


def on_command_execute(
    command: str | Sequence[Any],
    exit_code: int,
    *,
    duration: float | None = None,
    cwd: str | os.PathLike[str] | None = None,
    stdout: str | bytes = "",
    stderr: str | bytes = "",
) -> None:
    """``get_hook().on_command_execute(...)``."""
    get_hook().on_command_execute(
        command, exit_code, duration=duration, cwd=cwd, stdout=stdout, stderr=stderr
    )


def on_task_complete(
    task_data: Any, success: bool, execution_time: float, error_msg: str | None = None
) -> None:
    """``get_hook().on_task_complete(...)``."""
    get_hook().on_task_complete(task_data, success, execution_time, error_msg)


def get_execution_summary() -> dict[str, Any]:
    """``get_hook().get_execution_summary()``."""
    return get_hook().get_execution_summary()


def forecast(task_data: Any) -> Forecast | None:
    """``get_hook().forecast(task_data)``: the next run's expected duration and recent failures."""
    return get_hook().forecast(task_data)
