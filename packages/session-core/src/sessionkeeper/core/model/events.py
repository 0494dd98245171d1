"""The event log of a session: what task runners, commands and test runs did.

Events are attrs models journaled like state, so the hooks write them and the analyzer reads them
through the same models and the same converter. Times are timezone-aware UTC; durations are
seconds.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from typing import Any

import attrs
import orjson

from .converter import converter

__all__ = [
    "CommandExecuted",
    "Event",
    "TaskCompleted",
    "TaskStarted",
    "configure_events",
    "encode_event",
    "event_from_dict",
    "event_from_stored",
    "utc_now",
]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    """Naive times are taken as local time, then every time is stored in UTC."""
    if value.tzinfo is None:
        value = value.astimezone()
    return value.astimezone(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


@attrs.frozen(kw_only=True)
class TaskStarted:
    """A task (for example a YAML task contract) began."""

    task_id: str
    title: str | None = None
    source: str | None = None  # where the task came from, e.g. the contract's path
    at: datetime = attrs.field(factory=utc_now, converter=_as_utc)
    id: str = attrs.field(factory=_new_id)


@attrs.frozen(kw_only=True)
class CommandExecuted:
    """A command ran and exited (``exit_code`` 0 is success)."""

    command: str
    exit_code: int
    duration: float | None = None
    cwd: str | None = None
    task_id: str | None = None
    error: str | None = None  # the tail of what it wrote to stderr, when it failed
    at: datetime = attrs.field(factory=utc_now, converter=_as_utc)
    id: str = attrs.field(factory=_new_id)


@attrs.frozen(kw_only=True)
class TaskCompleted:
    """A task ended, successfully or not."""

    task_id: str
    success: bool
    duration: float | None = None
    error: str | None = None
    title: str | None = None
    at: datetime = attrs.field(factory=utc_now, converter=_as_utc)
    id: str = attrs.field(factory=_new_id)


Event = TaskStarted | CommandExecuted | TaskCompleted

_KINDS = {TaskStarted: "task_started", CommandExecuted: "command_executed", TaskCompleted: "task_completed"}


@functools.cache
def configure_events() -> None:
    """Teach the converter the ``kind``-tagged union of events, once, at the first use (building
    it costs about as much as the rest of this module; most imports of core never need it)."""
    from cattrs.strategies import configure_tagged_union

    configure_tagged_union(Event, converter, tag_generator=_KINDS.__getitem__, tag_name="kind")


def encode_event(event: Event) -> bytes:
    """The stored JSON bytes of ``event`` (with its ``kind`` tag)."""
    configure_events()
    return orjson.dumps(converter.unstructure(event, Event))


def event_from_dict(data: Any) -> Event:
    """An event from its stored (parsed JSON) form; raises on malformed data."""
    configure_events()
    result: Event = converter.structure(data, Event)  # type: ignore[arg-type]
    return result


def event_from_stored(stored: bytes | dict[str, Any]) -> Event:
    """An event from what a session holds: encoded bytes, or the parsed dict read from disk."""
    return event_from_dict(orjson.loads(stored) if type(stored) is bytes else stored)
