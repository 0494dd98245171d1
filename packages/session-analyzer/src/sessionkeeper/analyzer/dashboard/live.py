"""The sessions folder as the Now page shows it: each session's state, and the stream of its events.

Each live session is read with core's ``read_session`` (no lock, nothing written: a reader never
blocks a writer) and ``session_status`` (running, ended cleanly, crashed). New events are the ones
past the count read last time: a session's event log only grows (a checkpoint folds journals into
the snapshot, keeping every event).

**Stream ids.** An event's id on the stream is ``<time in µs>.<event id>`` — made of the stored
event itself, so it means the same thing to a restarted server as to the one that sent it. A
reconnecting page sends the last one it saw (``Last-Event-ID``); the server sends again every event
kept from ``SLACK_US`` before that time on, and the page drops the ones it already has (by event
id). The slack covers events recorded by two processes whose clocks and appends interleave (an
event may be appended after a later-stamped one was sent). Events without an id of their own (the
old tool's) get ``<session>#<position>``, stable as well.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from sessionkeeper.core import (
    Codec,
    SessionkeeperError,
    SessionView,
    read_session,
    session_paths,
    session_status,
)

__all__ = ["SLACK_US", "LiveSession", "LiveSessions", "StreamEvent", "parse_stream_id"]

SLACK_US = 10_000_000  # events resent before a reconnecting page's last one (10 s)
_KEPT_EVENTS = 5_000  # the stream's memory, across sessions
_RECENT_PER_SESSION = 50


@attrs.frozen
class StreamEvent:
    """One event as the stream and the Now page carry it (texts as stored: already redacted)."""

    stream_id: str
    uid: str
    at_us: int
    session_id: str
    kind: str  # task_started | command_executed | task_completed
    task_id: str | None = None
    command: str | None = None
    exit_code: int | None = None
    duration: float | None = None
    success: bool | None = None
    error: str | None = None

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.at_us / 1_000_000, UTC)

    @property
    def failed(self) -> bool:
        return self.success is False or (self.exit_code is not None and self.exit_code != 0)

    def as_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def stream_event(session_id: str, position: int, data: Any) -> StreamEvent | None:
    """The stream's form of one stored event (a parsed dict), None if it is not one we show."""
    if not isinstance(data, dict):
        return None
    kind, raw_at = data.get("kind"), data.get("at")
    if kind not in ("task_started", "command_executed", "task_completed") or not isinstance(raw_at, str):
        return None
    try:
        at = datetime.fromisoformat(raw_at)
    except ValueError:
        return None
    at = at if at.tzinfo else at.astimezone()
    at_us = round(at.timestamp() * 1_000_000)
    uid = _text(data.get("id")) or f"{session_id}#{position}"
    exit_code = data.get("exit_code")
    duration = data.get("duration")
    success = data.get("success")
    return StreamEvent(
        stream_id=f"{at_us}.{uid}",
        uid=uid,
        at_us=at_us,
        session_id=session_id,
        kind=kind,
        task_id=_text(data.get("task_id")),
        command=_text(data.get("command")),
        exit_code=exit_code if type(exit_code) is int else None,
        duration=float(duration)
        if isinstance(duration, int | float) and type(duration) is not bool
        else None,
        success=success if type(success) is bool else None,
        error=_text(data.get("error")),
    )


def parse_stream_id(value: str | None) -> int | None:
    """The time (µs) of a stream id a page sent back, None if it is not one of ours."""
    if not value:
        return None
    head = value.split(".", 1)[0]
    return int(head) if head.isdigit() and len(head) <= 20 else None


@attrs.frozen
class LiveSession:
    """One session of the sessions folder, as the Now page shows it."""

    session_id: str
    state: str  # running | ended | crashed | unknown | unreadable
    host: str | None
    started_at: datetime | None
    last_update: datetime | None
    last_checkpoint: datetime | None
    keys: int  # SESSION scope keys
    events: int
    current_task: str | None  # the innermost task started and not ended
    last_event: StreamEvent | None
    recent: tuple[StreamEvent, ...]  # its latest events, newest last
    problem: str | None = None  # why it could not be read


def _current_task(events: Iterable[StreamEvent]) -> str | None:
    open_tasks: list[str] = []
    for event in events:
        if event.kind == "task_started" and event.task_id:
            open_tasks.append(event.task_id)
        elif event.kind == "task_completed" and event.task_id in open_tasks:
            open_tasks.reverse()
            open_tasks.remove(event.task_id)  # the earliest open one of that id (first in, first out)
            open_tasks.reverse()
    return open_tasks[-1] if open_tasks else None


class LiveSessions:
    """The live sessions and the events seen lately (thread-safe)."""

    def __init__(self, data_dir: Path, codec: Codec) -> None:
        self.data_dir = data_dir
        self.codec = codec
        self.sessions: dict[str, LiveSession] = {}
        self.events: deque[StreamEvent] = deque(maxlen=_KEPT_EVENTS)
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def read_view(self, session_id: str) -> SessionView:
        """The session as core reads it (for its page)."""
        return read_session(self.data_dir, session_id, self.codec)

    def read(self, session_id: str) -> tuple[LiveSession, list[StreamEvent]]:
        """Read one session; returns its summary and the events not seen before."""
        seen = self._counts.get(session_id, 0)
        status = session_status(session_paths(self.data_dir, session_id))
        try:
            view = read_session(self.data_dir, session_id, self.codec)
        except SessionkeeperError as exc:
            summary = LiveSession(
                session_id,
                "unreadable",
                status.host,
                None,
                status.last_update,
                None,
                0,
                0,
                None,
                None,
                (),
                problem=str(exc),
            )
            return summary, []
        stored = view.event_data
        if len(stored) < seen:  # never expected (logs only grow): start over for this session
            seen = 0
        converted = [stream_event(session_id, i, data) for i, data in enumerate(stored)]
        shown = [event for event in converted if event is not None]
        fresh = [event for event in converted[seen:] if event is not None]
        self._counts[session_id] = len(stored)
        summary = LiveSession(
            session_id=session_id,
            state=status.state,
            host=view.host or status.host,
            started_at=view.started_at,
            last_update=status.last_update or view.last_update,
            last_checkpoint=view.last_checkpoint,
            keys=len(view.values),
            events=len(stored),
            current_task=_current_task(shown) if status.state == "running" else None,
            last_event=shown[-1] if shown else None,
            recent=tuple(shown[-_RECENT_PER_SESSION:]),
        )
        return summary, fresh

    def update(self, session_ids: Iterable[str], present: set[str]) -> list[StreamEvent]:
        """Re-read ``session_ids``, forget sessions not ``present``; returns the new events, in time
        order."""
        found: list[StreamEvent] = []
        read = [(session_id, *self.read(session_id)) for session_id in session_ids if session_id in present]
        with self._lock:
            for session_id in list(self.sessions):
                if session_id not in present:
                    del self.sessions[session_id]
                    self._counts.pop(session_id, None)
            for session_id, summary, fresh in read:
                self.sessions[session_id] = summary
                found += fresh
            found.sort(key=lambda event: event.at_us)
            self.events.extend(found)
        return found

    def load(self, present: set[str]) -> None:
        """The first read: every session, and the stream's memory filled with their latest events."""
        events = self.update(sorted(present), present)
        with self._lock:
            self.events.clear()
            self.events.extend(events[-_KEPT_EVENTS:])

    def snapshot(self) -> list[LiveSession]:
        """The sessions, newest first."""
        with self._lock:
            return sorted(self.sessions.values(), key=lambda s: s.session_id, reverse=True)

    def recent(self, limit: int) -> list[StreamEvent]:
        """The latest ``limit`` events, newest first."""
        with self._lock:
            return list(self.events)[-limit:][::-1]

    def since(self, at_us: int) -> list[StreamEvent]:
        """Every event kept from ``SLACK_US`` before ``at_us`` on, oldest first (a page resuming)."""
        start = at_us - SLACK_US
        with self._lock:
            return [event for event in self.events if event.at_us >= start]

    def running(self) -> list[str]:
        with self._lock:
            return [s.session_id for s in self.sessions.values() if s.state == "running"]
