"""The Session page: one session's keys (values masked unless asked for), events and checkpoints.

A value is sent to the browser only when its link asks for it (``?reveal=KEY``, or ``?reveal=*``
for all): a page left open on a shared screen shows key names, never values. A session of the
history archive has no values any more (retention keeps its events and a summary), and says so.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import orjson

from sessionkeeper.analyzer.dashboard.live import StreamEvent
from sessionkeeper.core import ArchivedSession, ScannedSession, SessionView

from .common import View, badge, e, href, page, section, when
from .events import event_item

__all__ = ["SessionFacts", "session_page"]

_VALUE_CHARS = 4000
_EVENTS_SHOWN = 500
_MASK = "\u2022" * 8


@attrs.frozen
class SessionFacts:
    """What the page shows, read by the caller (live: a view and its files; archived: a summary)."""

    session_id: str
    state: str
    view: SessionView | None = None
    found: ScannedSession | None = None
    archived: ArchivedSession | None = None
    events: list[StreamEvent] = attrs.Factory(list)
    problem: str | None = None


def _value(value: Any) -> str:
    text = orjson.dumps(value, default=str, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 1] + "\u2026"


def _keys(view: View, facts: SessionFacts, reveal: str) -> str:
    say, stored = view.say, facts.view
    assert stored is not None
    scopes: list[tuple[str, list[str], Any]] = [
        ("session", stored.keys(), stored.get),
        ("user", sorted(stored.user), stored.user.get),
        ("app", sorted(stored.app), stored.app.get),
    ]
    path = f"/session/{facts.session_id}"
    parts = [
        f'<p class="reveal-all"><a href="{href(path, {"reveal": "*"})}#keys">'
        f"{e(say('dash.session.reveal_all'))}</a>"
        f' · <a href="{href(path)}#keys">{e(say("dash.session.hide_all"))}</a></p>'
    ]
    for scope, names, get in scopes:
        rows = []
        for number, name in enumerate(names):
            anchor = f"key-{scope}-{number}"
            if reveal in ("*", name):
                shown = f"<pre>{e(_value(get(name)))}</pre>"
            else:
                link = href(path, {"reveal": name}) + "#" + anchor
                shown = (
                    f'<span class="masked" aria-label="{e(say("dash.session.masked"))}">{_MASK}</span> '
                    f'<a href="{link}">{e(say("dash.session.reveal"))}</a>'
                )
            rows.append(f'<tr id="{anchor}"><th scope="row"><code>{e(name)}</code></th><td>{shown}</td></tr>')
        title = say("dash.session.scope", scope=say(f"dash.scope.{scope}"), count=len(names))
        body = "".join(rows) or f'<tr><td colspan="2">{e(say("none"))}</td></tr>'
        parts.append(
            f'<div class="table-wrap"><table class="keys" id="keys-{scope}"><caption>{e(title)}</caption>'
            f"<tbody>{body}</tbody></table></div>"
        )
    return "".join(parts)


def _checkpoints(view: View, facts: SessionFacts) -> str:
    say = view.say
    stored, found = facts.view, facts.found
    lines = []
    if stored is not None:
        lines.append(say("dash.session.last_checkpoint", time=when(view, stored.last_checkpoint)))
        if stored.last_save_error:
            lines.append(say("dash.session.save_error", error=stored.last_save_error))
        for warning in (*stored.report.warnings, *stored.report.dropped):
            lines.append(str(warning))
    rows = []
    if found is not None:
        files = [("snapshot", found.snapshot), ("backup", found.backup)]
        files += [(say("dash.session.journal", epoch=epoch), file) for epoch, file in found.journals]
        for label, file in files:
            if file is None:
                continue
            try:
                changed = datetime.fromtimestamp(file.path.lstat().st_mtime, UTC)
            except OSError:
                changed = None
            name = say(f"dash.session.{label}") if label in ("snapshot", "backup") else label
            rows.append(
                f"<tr><td>{e(name)}</td><td><code>{e(file.name)}</code></td>"
                f'<td class="num">{file.size:,}</td><td>{e(when(view, changed))}</td></tr>'
            )
    table = (
        f'<div class="table-wrap"><table id="table-files"><caption>{e(say("dash.session.files"))}</caption>'
        f'<thead><tr><th scope="col">{e(say("dash.col.what"))}</th>'
        f'<th scope="col">{e(say("html.col.file"))}</th>'
        f'<th scope="col" class="num">{e(say("dash.col.bytes"))}</th>'
        f'<th scope="col">{e(say("dash.col.changed"))}</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        if rows
        else ""
    )
    return "".join(f"<p>{e(line)}</p>" for line in lines) + table


def session_page(view: View, facts: SessionFacts, reveal: str) -> str:
    say = view.say
    title = say("dash.session.title", session=facts.session_id)
    if facts.problem is not None and facts.view is None and facts.archived is None:
        return page(view, title, [f'<p class="problem">{e(facts.problem)}</p>'], active="now")
    body = [f'<p class="lede">{badge(view, facts.state)}</p>']
    if facts.archived is not None:
        summary = facts.archived
        keys = ", ".join(
            f"{say('dash.scope.' + k) if k in ('session', 'user', 'app') else k}: {v}"
            for k, v in summary.keys.items()
        )
        body.append(
            "<p>"
            + e(
                say.count(
                    "dash.session.archived",
                    summary.events,
                    started=when(view, summary.started_at),
                    ended=when(view, summary.ended_at),
                    host=summary.host or "?",
                    events=summary.events,
                )
            )
            + "</p>"
            f"<p>{e(say('dash.session.archived_keys', keys=keys or say('none')))}</p>"
        )
    if facts.view is not None:
        stored = facts.view
        body.append(
            "<p>"
            + e(
                say.count(
                    "dash.session.facts",
                    len(stored.event_data),
                    started=when(view, stored.started_at),
                    host=stored.host or "?",
                    events=len(stored.event_data),
                )
            )
            + "</p>"
        )
        body.append(section(say("dash.session.keys"), _keys(view, facts, reveal), ident="keys"))
        body.append(section(say("dash.session.checkpoints"), _checkpoints(view, facts)))
    events = facts.events[-_EVENTS_SHOWN:][::-1]
    more = len(facts.events) - len(events)
    items = "".join(event_item(view, event) for event in events)
    note = f"<p>{e(say.count('dash.session.more_events', more, count=more))}</p>" if more > 0 else ""
    body.append(
        f'<section class="part"><h2>{e(say("dash.session.events", count=len(facts.events)))}</h2>{note}'
        f'<ol class="stream">{items}</ol></section>'
    )
    return page(view, title, body, active="now")
