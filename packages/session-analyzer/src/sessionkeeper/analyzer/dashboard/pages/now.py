"""The Now page: the sessions of the sessions folder and the live stream of their events.

The sessions table is also served alone (``/now/sessions``): the page's script fetches it again
when the stream says a session changed (started, ended, crashed), so the table follows without a
reload. The event list is filled from the stream; the server renders the latest events into the
page first, and the page asks the stream for what came after the newest of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sessionkeeper.analyzer.dashboard.live import LiveSession, StreamEvent

from .common import STATE_MARKS, View, badge, e, page, session_href, task_href, when
from .events import event_item

if TYPE_CHECKING:
    from sessionkeeper.core import BackupStatus

__all__ = ["backup_section", "now_page", "sessions_table"]

_SHOWN_EVENTS = 100


def _row(view: View, session: LiveSession, labels: list[str]) -> str:
    """One session; each cell names its column (``data-label``), which a narrow page shows instead
    of the table's header row (the rows become cards below 600 px)."""
    current = (
        f'<a href="{task_href(session.current_task)}">{e(session.current_task)}</a>'
        if session.current_task
        else e("\u2014")
    )
    last = session.last_event
    short = session.session_id.rsplit("_", 1)[-1]
    cells = [
        f'<a href="{session_href(session.session_id)}" title="{e(session.session_id)}">'
        f"<code>{e(short)}</code></a>",
        badge(view, session.state),
        e(session.host or "\u2014"),
        e(when(view, session.started_at, seconds=False)),
        current,
        e(when(view, last.at)) if last is not None else e("\u2014"),
        f"{session.keys:,}",
        f"{session.events:,}",
    ]
    numbers = (None,) * 6 + (session.keys, session.events)
    tds = "".join(
        f'<td data-label="{e(label)}"'
        + (f' class="num" data-value="{number}"' if number is not None else "")
        + f">{cell}</td>"
        for label, cell, number in zip(labels, cells, numbers, strict=True)
    )
    return f'<tr data-session="{e(session.session_id)}">{tds}</tr>'


_ORDER = {"running": 0, "crashed": 1, "unreadable": 2}


def sessions_table(view: View, sessions: list[LiveSession]) -> str:
    """The table of sessions (the part of the page the script refreshes)."""
    say = view.say
    if not sessions:
        return f'<div id="sessions"><p>{e(say("dash.now.none"))}</p></div>'
    columns = [
        say("dash.col.session"),
        say("dash.col.state"),
        say("dash.col.host"),
        say("dash.col.started"),
        say("dash.col.current_task"),
        say("dash.col.last_event"),
        say("dash.col.keys"),
        say("dash.col.events"),
    ]
    numeric = ' class="num" data-type="number"'
    head = "".join(f'<th scope="col"{numeric if i >= 6 else ""}>{e(c)}</th>' for i, c in enumerate(columns))
    counts: dict[str, int] = {}
    for session in sessions:
        counts[session.state] = counts.get(session.state, 0) + 1
    summary = ", ".join(
        say("dash.now.count", state=say(f"dash.state.{state}"), count=count)
        for state, count in sorted(counts.items())
        if state in ("running", "ended", "crashed", "unknown", "unreadable")
    )
    ordered = sorted(sessions, key=lambda s: s.session_id, reverse=True)
    ordered.sort(key=lambda s: _ORDER.get(s.state, 3))  # running first, then crashed, newest first
    rows = "\n".join(_row(view, s, columns) for s in ordered)
    return (
        f'<div id="sessions"><p class="summary">{e(summary)}</p>'
        '<div class="table-wrap">'
        '<table class="sortable cards-narrow" id="table-sessions" aria-labelledby="h-sessions">'
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>\n{rows}\n</tbody></table></div></div>"
    )


def backup_section(view: View, backup: BackupStatus | None) -> str:
    """The remote backup as this machine knows it (issue 17): where, the last push, what waits to
    go, the last error. Nothing when this data directory never pushed."""
    if backup is None:
        return ""
    say = view.say
    if backup.last_success is None:
        last = say("dash.backup.never")
    else:
        shown = backup.last_success.replace("T", " ")[:19]
        last = say("dash.backup.last", when=shown, ago=_ago(backup.lag_seconds))
    mebibytes = f"{backup.backlog_bytes / 1_048_576:,.1f}"
    waiting = say("dash.backup.backlog", objects=f"{backup.backlog_objects:,}", size=mebibytes)
    rows = [
        (say("dash.backup.where"), f"{backup.location} ({backup.host})"),
        (say("dash.backup.last_push"), last),
        (say("dash.backup.waiting"), waiting),
    ]
    if backup.last_error:
        failed = say("dash.backup.failed", failures=backup.failures, error=backup.last_error)
        rows.append((say("dash.backup.error"), failed))
    # Colour and mark as the session states' (failing: ✕, pushed: ✓, never: ?), words of its own.
    state = "crashed" if backup.last_error else "ended" if backup.last_success else "unknown"
    word = say(f"dash.backup.state.{state}")
    mark = (
        f'<span class="state state-{state}"><span aria-hidden="true">{STATE_MARKS[state]}</span> '
        f"{e(word)}</span>"
    )
    body = "".join(f'<tr><th scope="row">{e(label)}</th><td>{e(value)}</td></tr>' for label, value in rows)
    return (
        '<section class="part" aria-labelledby="h-backup">'
        f'<h2 id="h-backup">{e(say("dash.backup.title"))} {mark}</h2>'
        f'<div class="table-wrap"><table id="backup">{body}</table></div></section>'
    )


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def now_page(
    view: View,
    sessions: list[LiveSession],
    events: list[StreamEvent],
    scopes: dict[str, int],
    archived: int | None,
    backup: BackupStatus | None = None,
) -> str:
    say = view.say
    cursor = events[0].stream_id if events else ""
    scope_line = say("dash.now.scopes", user=scopes.get("user", 0), app=scopes.get("app", 0))
    archive_line = (
        say("dash.now.indexing")
        if archived is None
        else say.count("dash.now.archived", archived, count=f"{archived:,}")
    )
    items = "\n".join(event_item(view, event) for event in events[:_SHOWN_EVENTS])
    empty = "" if events else f'<p class="empty" id="stream-empty">{e(say("dash.now.no_events"))}</p>'
    body = [
        f'<p class="lede">{e(scope_line)} {e(archive_line)}</p>',
        '<div class="now">',
        '<section class="part" aria-labelledby="h-sessions">',
        f'<h2 id="h-sessions">{e(say("dash.now.sessions"))}</h2>',
        sessions_table(view, sessions),
        "</section>",
        '<section class="part" aria-labelledby="h-stream">',
        f'<h2 id="h-stream">{e(say("dash.now.stream"))}</h2>',
        empty,
        f'<ol id="stream" class="stream" aria-live="polite" data-cursor="{e(cursor)}" '
        f'data-limit="{_SHOWN_EVENTS}">{items}</ol>',
        "</section>",
        "</div>",
        backup_section(view, backup),
    ]
    return page(view, say("dash.now.title"), body, active="now")
