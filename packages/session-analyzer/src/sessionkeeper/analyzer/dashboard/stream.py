"""The event stream (Server-Sent Events, through sse-starlette): new events, and "sessions changed".

Each open page is one :class:`Subscriber` with a bounded queue. A page that does not read (or reads
too slowly) is cut off once its queue is full instead of holding memory: its browser reconnects
with ``Last-Event-ID`` and resumes from the events kept (:meth:`LiveSessions.since`). At most
``MAX_STREAMS`` streams are open at once; more are answered 503 (the browser retries).

Messages: ``event: change`` with an id (``<µs>.<event id>``, see :mod:`.live`) and the event in
words as JSON (:func:`pages.events.event_json`); ``event: sessions`` without an id (so it does not
move the resume point) when the sessions table should be fetched again. ``retry: 1000`` asks a
browser to reconnect a second after losing the server.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from .live import LiveSessions, StreamEvent, parse_stream_id

__all__ = ["MAX_STREAMS", "Hub", "Subscriber", "stream_response"]

MAX_STREAMS = 200
_QUEUE = 2_000  # events a subscriber may lag behind before it is cut off
_RETRY_MS = 1000
_SESSIONS = object()  # the "sessions changed" message in a queue


class Subscriber:
    """One open stream: what is waiting for it, and whether it fell too far behind."""

    def __init__(self) -> None:
        self.items: deque[object] = deque()
        self.ready = asyncio.Event()
        self.overflowed = False

    def put(self, item: object) -> None:
        if len(self.items) >= _QUEUE:
            self.overflowed = True
        else:
            self.items.append(item)
        self.ready.set()


class Hub:
    """The open streams (used from the event loop's thread only)."""

    def __init__(self) -> None:
        self.subscribers: set[Subscriber] = set()

    def subscribe(self) -> Subscriber | None:
        if len(self.subscribers) >= MAX_STREAMS:
            return None
        subscriber = Subscriber()
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def publish(self, events: list[StreamEvent], *, sessions_changed: bool) -> None:
        for subscriber in self.subscribers:
            for event in events:
                subscriber.put(event)
            if sessions_changed:
                subscriber.put(_SESSIONS)


def stream_response(
    request: Request, hub: Hub, live: LiveSessions, render: Callable[[StreamEvent], dict[str, Any]]
) -> Response:
    """The stream for one page; ``render`` writes an event as the page's language has it."""
    subscriber = hub.subscribe()
    if subscriber is None:
        return PlainTextResponse("too many open streams", status_code=503, headers={"retry-after": "5"})
    # Subscribed before the backlog is taken: an event can come twice (the page keeps one), never not.
    resume = parse_stream_id(request.headers.get("last-event-id") or request.query_params.get("since"))
    backlog = live.since(resume) if resume is not None else []

    def message(item: object) -> ServerSentEvent:
        if item is _SESSIONS:
            return ServerSentEvent(data="{}", event="sessions")
        assert isinstance(item, StreamEvent)
        return ServerSentEvent(data=orjson.dumps(render(item)).decode(), event="change", id=item.stream_id)

    async def messages() -> AsyncIterator[ServerSentEvent]:
        try:
            yield ServerSentEvent(comment="sessionkeeper", retry=_RETRY_MS)
            for event in backlog:
                yield message(event)
            while not subscriber.overflowed:
                await subscriber.ready.wait()
                subscriber.ready.clear()
                while subscriber.items and not subscriber.overflowed:
                    yield message(subscriber.items.popleft())
        finally:
            hub.unsubscribe(subscriber)

    return EventSourceResponse(messages(), ping=15, send_timeout=30)
