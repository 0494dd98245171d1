"""Events, as stored, turned into the compact rows the aggregator counts.

A row is a plain tuple (one allocation, no attribute lookups in the hot loop)::

    (STARTED,   at, task_id)
    (COMMAND,   at, command, exit_code, duration)
    (COMPLETED, at, task_id, success, duration, error)

``at`` is an aware UTC datetime, ``duration`` seconds or None (a command's: what its runner
measured, used by the insights' per-command forecasts).

Two ways in, with one result:

* :func:`row_from_event` takes core's models (``TaskStarted``, ``CommandExecuted``,
  ``TaskCompleted``) — the legacy converter builds those, and anything unusual goes through it.
* :func:`rows_from_stored` takes a session's stored events (parsed dicts). Structuring a million
  dicts through cattrs costs seconds, so an event in exactly the shape core writes (every field
  present with its JSON type, ``at`` an ISO time in UTC) is read straight from the dict; any
  other event — missing optional fields, another UTC offset, a naive time — is handed to core's
  converter (``event_from_dict``) and then to :func:`row_from_event`. Tests check that both
  ways give the same row for every event the fast way accepts.

Before either way, the JSON types of the fields the report uses are checked strictly: cattrs
would turn ``"success": "false"`` into ``True`` and ``"task_id": 5`` into ``"5"``, which silently
changes what a report says.
An event that fails the check makes :class:`MalformedEventError`; the caller skips the file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from sessionkeeper.core import Event, TaskCompleted, TaskStarted, event_from_dict

from .errors import MalformedEventError

__all__ = [
    "COMMAND",
    "COMPLETED",
    "MAX_TASK_ID",
    "STARTED",
    "MalformedEventError",
    "Row",
    "row_from_event",
    "rows_from_stored",
]

STARTED: Final = 0
COMMAND: Final = 1
COMPLETED: Final = 2

MAX_TASK_ID: Final = 256  # longer "ids" are data, not names; they would also swamp every table

Row = tuple[Any, ...]

_fromiso = datetime.fromisoformat


def _bad(index: int, message: str) -> MalformedEventError:
    return MalformedEventError(f"event #{index}: {message}")


# -- strict JSON type checks (before cattrs, which would coerce) -------------------------------------
def _is_number(value: object) -> bool:
    kind = type(value)
    return kind is float or kind is int


def _check_task_id(value: object, index: int, *, required: bool = True) -> None:
    if value is None and not required:
        return
    if type(value) is not str or not value or len(value) > MAX_TASK_ID:
        raise _bad(index, f"task_id must be a non-empty string of at most {MAX_TASK_ID} characters")


def _check_optional_text(data: dict[str, Any], fields: Iterable[str], index: int) -> None:
    for name in fields:
        value = data.get(name)
        if value is not None and type(value) is not str:
            raise _bad(index, f"{name} must be a string or null")


def _check_duration(value: object, index: int) -> None:
    if value is None:
        return
    if not _is_number(value) or not math.isfinite(value) or value < 0:  # type: ignore[arg-type,operator]
        raise _bad(index, "duration must be a non-negative number of seconds or null")


def _check_types(data: dict[str, Any], index: int) -> None:
    """Reject what cattrs would silently coerce in a field the report uses; missing optional
    fields are fine. (Fields the report does not use — ids, titles, cwd — cattrs turns into
    strings harmlessly, and anything it cannot turn into a number it refuses by itself.)"""
    kind = data.get("kind")
    if type(data.get("at")) is not str:
        raise _bad(index, "at must be an ISO date-time string")
    if kind == "task_completed":
        _check_task_id(data.get("task_id"), index)
        if type(data.get("success")) is not bool:
            raise _bad(index, "success must be true or false")
        _check_duration(data.get("duration"), index)
        _check_optional_text(data, ("error",), index)
    elif kind == "task_started":
        _check_task_id(data.get("task_id"), index)
    else:  # command_executed
        if type(data.get("command")) is not str:
            raise _bad(index, "command must be a string")
        if type(data.get("exit_code")) is not int:
            raise _bad(index, "exit_code must be an integer")


# -- from models -------------------------------------------------------------------------------------
def row_from_event(event: Event) -> Row:
    """The row of one of core's event models (``at`` is already UTC: core's models convert it).

    Raises :class:`MalformedEventError` for values no runner produces (a negative duration, an
    empty or oversized task id).
    """
    if isinstance(event, TaskCompleted):
        _check_task_id(event.task_id, -1)
        _check_duration(event.duration, -1)
        return (COMPLETED, event.at, event.task_id, event.success, event.duration, event.error)
    if isinstance(event, TaskStarted):
        _check_task_id(event.task_id, -1)
        return (STARTED, event.at, event.task_id)
    return (COMMAND, event.at, event.command, event.exit_code, event.duration)


def _row_from_model(data: dict[str, Any], index: int) -> Row:
    _check_types(data, index)
    try:
        event = event_from_dict(data)
    except Exception as exc:  # cattrs raises several types (ClassValidationError, ValueError...)
        raise _bad(index, f"not a valid event ({type(exc).__name__}: {str(exc)[:80]})") from None
    try:
        return row_from_event(event)
    except MalformedEventError as exc:
        raise _bad(index, str(exc).removeprefix("event #-1: ")) from None


# -- from stored dicts (the fast path) ------------------------------------------------------------------
_KINDS: Final = frozenset({"task_started", "command_executed", "task_completed"})
_TEXT_OR_NONE: Final = frozenset({str, type(None)})
_INF: Final = math.inf


def rows_from_stored(stored: Iterable[Any]) -> tuple[list[Row], int]:
    """Rows of a session's stored events (parsed dicts, or bytes), in log order.

    Returns the rows and how many events were of a kind this version does not know (a newer
    Sessionkeeper's; they are left out, not counted as damage). Raises
    :class:`MalformedEventError` at the first event that cannot be counted honestly.
    """
    rows: list[Row] = []
    append = rows.append
    unknown = 0
    text_or_none = _TEXT_OR_NONE
    for index, item in enumerate(stored):
        try:
            data = orjson.loads(item) if type(item) is bytes else item
        except orjson.JSONDecodeError:
            raise _bad(index, "not valid JSON") from None
        if type(data) is not dict:
            raise _bad(index, "not a JSON object")
        get = data.get
        kind = get("kind")
        at = get("at")
        # The fast path: the JSON types core writes, ``at`` in UTC. Optional fields may be absent
        # (core's models default them to None); an int duration goes the slow way (cattrs makes it
        # a float). Anything else takes the slow path, which decides. The checks are written out
        # inline: this loop runs once per event, and a function call costs as much as the checks.
        if type(at) is str:
            try:
                when = _fromiso(at)
            except ValueError:
                raise _bad(index, f"at is not an ISO date-time: {at[:40]!r}") from None
            if when.tzinfo is UTC:
                if kind == "command_executed":
                    command = get("command")
                    exit_code = get("exit_code")
                    duration = get("duration")  # cattrs refuses a non-number: let it decide
                    if (
                        type(command) is str
                        and type(exit_code) is int
                        and (duration is None or type(duration) is float)
                        # fields the report ignores, checked because core's converter refuses
                        # a wrong type: the fast way must accept only what the slow way reads
                        and type(get("id", "")) is str
                        and type(get("cwd")) in text_or_none
                        and type(get("error")) in text_or_none
                        and type(get("task_id")) in text_or_none
                    ):
                        append((COMMAND, when, command, exit_code, duration))
                        continue
                elif kind == "task_completed":
                    task_id = get("task_id")
                    success = get("success")
                    duration = get("duration")
                    error = get("error")
                    if (
                        type(task_id) is str
                        and 0 < len(task_id) <= MAX_TASK_ID
                        and type(success) is bool
                        and (duration is None or (type(duration) is float and 0 <= duration < _INF))
                        and type(error) in text_or_none
                        and type(get("id", "")) is str
                        and type(get("title")) in text_or_none
                    ):
                        append((COMPLETED, when, task_id, success, duration, error))
                        continue
                elif kind == "task_started":
                    task_id = get("task_id")
                    if (
                        type(task_id) is str
                        and 0 < len(task_id) <= MAX_TASK_ID
                        and type(get("id", "")) is str
                        and type(get("title")) in text_or_none
                        and type(get("source")) in text_or_none
                    ):
                        append((STARTED, when, task_id))
                        continue
        if kind not in _KINDS:
            if type(kind) is not str:
                raise _bad(index, "kind is missing or not a string")
            unknown += 1
            continue
        append(_row_from_model(data, index))
    return rows, unknown
