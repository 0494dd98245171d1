"""One event in words, for the Now page's list and for the event stream (the same words in both).

The stream sends each event as JSON with its text already written in the page's language; the
page's script only puts that text into new elements (``textContent``: nothing it receives is ever
parsed as HTML).
"""

from __future__ import annotations

from typing import Any

from sessionkeeper.analyzer.dashboard.live import StreamEvent

from .common import View, e, session_href, when

__all__ = ["event_item", "event_json", "event_text"]

_MARKS = {"task_started": "\u25b6", "command_executed": "$"}


def _short(session_id: str) -> str:
    return session_id.rsplit("_", 1)[-1]


def event_text(view: View, event: StreamEvent) -> str:
    say = view.say
    task = event.task_id or "?"
    if event.kind == "task_started":
        return say("dash.event.started", task=task)
    duration = say.duration(event.duration) if event.duration is not None else None
    if event.kind == "task_completed":
        if event.success:
            key = "dash.event.succeeded_in" if duration else "dash.event.succeeded"
            return say(key, task=task, duration=duration)
        text = say("dash.event.failed", task=task)
        if duration:
            text += " " + say("dash.event.after", duration=duration)
        return text + (f" \u2014 {event.error}" if event.error else "")
    text = say("dash.event.command", command=event.command or "?", code=event.exit_code)
    return text + (f" ({duration})" if duration else "")


def _mark(event: StreamEvent) -> str:
    if event.kind == "task_completed":
        return "\u2713" if event.success else "\u2715"
    mark = _MARKS.get(event.kind, "?")
    return "\u2715" if event.failed else mark


def event_json(view: View, event: StreamEvent) -> dict[str, Any]:
    """What the stream sends for ``event``."""
    return {
        "id": event.stream_id,
        "uid": event.uid,
        "session": event.session_id,
        "short": _short(event.session_id),
        "time": when(view, event.at),
        "kind": event.kind,
        "mark": _mark(event),
        "failed": event.failed,
        "text": event_text(view, event),
    }


def event_item(view: View, event: StreamEvent) -> str:
    """The list item the page's script would make of :func:`event_json` (same markup)."""
    data = event_json(view, event)
    failed = " failed" if data["failed"] else ""
    return (
        f'<li class="event ev-{e(event.kind)}{failed}" data-id="{e(event.uid)}">'
        f'<time>{e(data["time"])}</time> <span class="mark" aria-hidden="true">{e(data["mark"])}</span> '
        f'<span class="what">{e(data["text"])}</span> '
        f'<a class="sid" href="{session_href(event.session_id)}">{e(data["short"])}</a></li>'
    )
