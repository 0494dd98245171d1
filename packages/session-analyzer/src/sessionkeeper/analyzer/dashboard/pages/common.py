"""What every page shares: the frame (header, navigation, language switch), escaping, badges, times.

Every value from the data goes through :func:`e` (control and bidi characters shown as escapes by
the analyzer's ``plain``, then HTML-escaped), as in the HTML report. Pages load one stylesheet and
one script, both from ``/static/`` (the package's own files): the CSP allows nothing else.

State words always come with a mark of their own shape (``●`` running, ``✓`` ended, ``✕`` crashed,
``?`` unknown) as well as a colour from the report's Okabe-Ito palette: colour is never the only cue.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from urllib.parse import quote, urlencode

from sessionkeeper.analyzer.messages import Messages, plain
from sessionkeeper.analyzer.svg import escape

__all__ = [
    "STATE_MARKS",
    "View",
    "badge",
    "e",
    "figure",
    "href",
    "outcome",
    "page",
    "section",
    "session_href",
    "task_href",
    "when",
]

STATE_MARKS = {"running": "\u25cf", "ended": "\u2713", "crashed": "\u2715", "unknown": "?", "unreadable": "!"}


def e(value: object) -> str:
    """``value`` as HTML text or attribute content."""
    return escape(plain(str(value)))


def href(path: str, query: Mapping[str, str | None] | None = None) -> str:
    """A link to ``path`` with ``query`` (empty values left out), escaped for an attribute."""
    params = {k: v for k, v in (query or {}).items() if v}
    return e(path + ("?" + urlencode(params) if params else ""))


def session_href(session_id: str) -> str:
    return e("/session/" + quote(session_id, safe=""))


def task_href(task_id: str) -> str:
    return e("/task/" + quote(task_id, safe=""))


class View:
    """What a page needs to know of the request: language and time zone."""

    def __init__(self, say: Messages, tz: tzinfo, zone_name: str, path: str, insights: bool) -> None:
        self.say = say
        self.tz = tz
        self.zone_name = zone_name
        self.path = path
        self.insights = insights


def when(view: View, moment: datetime | None, *, seconds: bool = True) -> str:
    """A time in the dashboard's zone (``2025-10-21 09:14:03``), or n/a."""
    if moment is None:
        return view.say("not_available")
    local = moment.astimezone(view.tz)
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def badge(view: View, state: str) -> str:
    """A state as a mark, a word and a colour (class ``state-<state>``)."""
    word = view.say(f"dash.state.{state}") if state in STATE_MARKS else state
    mark = STATE_MARKS.get(state, "?")
    return f'<span class="state state-{e(state)}"><span aria-hidden="true">{mark}</span> {e(word)}</span>'


def section(title: str, inner: str, *, ident: str | None = None) -> str:
    """A titled part of a page (``ident``: its id, for links to it)."""
    attribute = f' id="{e(ident)}"' if ident else ""
    return f'<section class="part"{attribute}><h2>{e(title)}</h2>{inner}</section>'


def figure(ident: str, title: str, svg: str) -> str:
    """A chart in its frame, as the HTML report frames its charts."""
    return f'<figure class="chart" id="figure-{e(ident)}"><h2>{e(title)}</h2>\n{svg}\n</figure>'


def outcome(view: View, *, ok: bool) -> str:
    """A run's outcome as a mark, a word and a colour (the palette of the report: blue, vermillion)."""
    word = view.say("chart.succeeded" if ok else "chart.failed")
    mark, css = ("\u2713", "ok") if ok else ("\u2715", "bad")
    return f'<span class="outcome {css}"><span aria-hidden="true">{mark}</span> {e(word)}</span>'


def _nav(view: View, active: str) -> str:
    say = view.say
    items = [("now", "/", say("dash.nav.now")), ("trends", "/trends", say("dash.nav.trends"))]
    if view.insights:
        items.append(("insights", "/insights", say("dash.nav.insights")))
    current = ' aria-current="page"'
    links = "".join(
        f'<a href="{path}"{current if key == active else ""}>{e(label)}</a>' for key, path, label in items
    )
    other = "ko" if say.language == "en" else "en"
    switch = (
        f'<a class="lang" href="{href(view.path, {"lang": other})}" hreflang="{other}" '
        f'lang="{other}">{e(say("dash.switch_language"))}</a>'
    )
    live = (
        f'<span id="live" class="live" role="status" data-connected="{e(say("dash.live.on"))}" '
        f'data-waiting="{e(say("dash.live.off"))}">{e(say("dash.live.off"))}</span>'
    )
    return f'<nav aria-label="{e(say("dash.nav.label"))}">{links}{switch}{live}</nav>'


def page(view: View, title: str, body: list[str], *, active: str) -> str:
    """A whole page."""
    say = view.say
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{e(say.language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)} · {e(say('dash.title'))}</title>\n"
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">\n'
        '<link rel="stylesheet" href="/static/dashboard.css">\n'
        '<script src="/static/dashboard.js" defer></script>\n</head>\n<body>\n'
        f'<a class="skip" href="#main">{e(say("dash.skip"))}</a>\n'
        f'<header class="top"><span class="brand">{e(say("dash.title"))}</span>'
        f"{_nav(view, active)}</header>\n"
        f'<main id="main" tabindex="-1">\n<h1>{e(title)}</h1>\n' + "\n".join(body) + "\n</main>\n"
        f"<footer>{e(say('dash.footer', zone=view.zone_name))}</footer>\n</body>\n</html>\n"
    )
