"""The web application: routes, one handler each, behind the :class:`guard.Guard`.

Every route is ``GET`` (the guard answers anything else with 405 before routing). Pages are
rendered on the server; blocking work (reading a session for its page, counting a report) runs in a
worker thread so the event stream and other pages keep flowing.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from sessionkeeper.analyzer.messages import LANGUAGES, Messages
from sessionkeeper.core import InvalidSessionIdError, SessionkeeperError, list_history, read_history

from . import assets
from .auth import Auth
from .guard import Guard
from .insights import available
from .live import stream_event
from .pages.common import View
from .pages.events import event_json
from .pages.insights import insights_page
from .pages.now import now_page, sessions_table
from .pages.session import SessionFacts, session_page
from .pages.task import task_page
from .pages.trends import parse_query, trends_page
from .service import Dashboard
from .stream import stream_response
from .tasks import task_history

__all__ = ["create_app"]

_LANG_COOKIE = "sessionkeeper_dashboard_lang"


def _view(dashboard: Dashboard, request: Request, insights: bool) -> tuple[View, str | None]:
    """The page's view, and the language to remember in a cookie (when ``?lang=`` chose one)."""
    asked = request.query_params.get("lang")
    remembered = request.cookies.get(_LANG_COOKIE)
    language = asked if asked in LANGUAGES else remembered if remembered in LANGUAGES else dashboard.language
    view = View(Messages(language), dashboard.zone.tz, dashboard.zone.name, request.url.path, insights)
    return view, (language if asked in LANGUAGES else None)


def _html(content: str, remember: str | None) -> HTMLResponse:
    response = HTMLResponse(content)
    if remember is not None:
        response.set_cookie(_LANG_COOKIE, remember, max_age=365 * 86400, httponly=True, samesite="strict")
    return response


def _progress(dashboard: Dashboard, say: Messages) -> str:
    if dashboard.history.error:
        return say("dash.index.failed", error=dashboard.history.error)
    done, total = dashboard.history.progress
    return say.count("dash.index.progress", total, done=f"{done:,}", total=f"{total:,}")


def _session_facts(dashboard: Dashboard, session_id: str) -> SessionFacts:
    live = dashboard.live.sessions.get(session_id)
    if live is not None:
        try:
            view = dashboard.live.read_view(session_id)
        except SessionkeeperError as exc:
            return SessionFacts(session_id, live.state, problem=str(exc))
        events = [ev for i, data in enumerate(view.event_data) if (ev := stream_event(session_id, i, data))]
        found = dashboard.watcher.found(session_id)
        return SessionFacts(session_id, live.state, view=view, found=found, events=events)
    for file in list_history(dashboard.data_dir).files:
        if file.session_id == session_id:
            try:
                summary, stored = read_history(file, dashboard.codec)
            except SessionkeeperError as exc:
                return SessionFacts(session_id, "unknown", problem=str(exc))
            events = [ev for i, data in enumerate(stored) if (ev := stream_event(session_id, i, data))]
            return SessionFacts(session_id, summary.ending, archived=summary, events=events)
    return SessionFacts(session_id, "unknown", problem=f"no session {session_id} here")


def create_app(dashboard: Dashboard, auth: Auth, hosts: frozenset[str]) -> Guard:  # noqa: PLR0915 (routes)
    """The whole application, wrapped in its guard."""
    has_insights = available()

    async def now(request: Request) -> Response:
        view, remember = _view(dashboard, request, has_insights)
        history = dashboard.history
        archived = sum(1 for m in history.archive.sessions if m.alive) if history.ready.is_set() else None
        content = now_page(
            view, dashboard.live.snapshot(), dashboard.live.recent(100), dashboard.scopes, archived,
            dashboard.backup,
        )  # fmt: skip
        return _html(content, remember)

    async def now_sessions(request: Request) -> Response:
        view, _ = _view(dashboard, request, has_insights)
        return HTMLResponse(sessions_table(view, dashboard.live.snapshot()))

    async def events(request: Request) -> Response:
        view, _ = _view(dashboard, request, has_insights)
        return stream_response(request, dashboard.hub, dashboard.live, functools.partial(event_json, view))

    async def trends(request: Request) -> Response:
        view, remember = _view(dashboard, request, has_insights)
        history = dashboard.history
        now_at = datetime.now(UTC)
        query = parse_query(request.query_params, dashboard.zone, now_at, history.first_event())
        report = None
        if history.ready.is_set() and not history.error:
            report = await anyio.to_thread.run_sync(
                history.report, query.period, query.filters, view.say, now_at
            )
        content = trends_page(view, query, report, history.choices(), _progress(dashboard, view.say))
        return _html(content, remember)

    async def task(request: Request) -> Response:
        view, remember = _view(dashboard, request, has_insights)
        task_id = request.path_params["task_id"]
        history = dashboard.history
        if not history.ready.is_set():
            return _html(
                trends_page(
                    view,
                    parse_query({}, dashboard.zone, datetime.now(UTC), None),
                    None,
                    history.choices(),
                    _progress(dashboard, view.say),
                ),
                remember,
            )

        def find() -> object:
            with history.lock:
                return task_history(history.segments(), task_id, dashboard.zone.tz)

        found = await anyio.to_thread.run_sync(find)
        return _html(task_page(view, task_id, found), remember)  # type: ignore[arg-type]

    async def session(request: Request) -> Response:
        view, remember = _view(dashboard, request, has_insights)
        session_id = request.path_params["session_id"]
        try:
            facts = await anyio.to_thread.run_sync(_session_facts, dashboard, session_id)
        except InvalidSessionIdError:
            return PlainTextResponse("not a session id", status_code=404)
        reveal = request.query_params.get("reveal", "")
        return _html(session_page(view, facts, reveal), remember)

    async def insights(request: Request) -> Response:
        view, remember = _view(dashboard, request, has_insights)
        if not has_insights:
            return PlainTextResponse("insights are not part of this analyzer", status_code=404)
        history = dashboard.history
        query = parse_query(request.query_params, dashboard.zone, datetime.now(UTC), history.first_event())
        missing = dashboard.insights.missing()
        found = None if missing else dashboard.insights.get(query.period, view.say, history.generation)
        return _html(insights_page(view, query, found, missing), remember)

    async def static(request: Request) -> Response:
        # /favicon.ico: what a browser asks for on pages without an icon link (the sign-in page)
        found = assets.ASSETS.get(request.path_params.get("name", "favicon.svg"))
        if found is None:
            return PlainTextResponse("not found", status_code=404)
        content, media_type = found
        return Response(content, media_type=media_type, headers={"cache-control": "private, max-age=3600"})

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(dashboard.start)
        async with anyio.create_task_group() as group:
            group.start_soon(dashboard.run)
            yield
            group.cancel_scope.cancel()

    routes = [
        Route("/", now, methods=["GET"]),
        Route("/now/sessions", now_sessions, methods=["GET"]),
        Route("/events", events, methods=["GET"]),
        Route("/trends", trends, methods=["GET"]),
        Route("/task/{task_id:path}", task, methods=["GET"]),
        Route("/session/{session_id}", session, methods=["GET"]),
        Route("/insights", insights, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route("/favicon.ico", static, methods=["GET"]),
    ]
    return Guard(Starlette(routes=routes, lifespan=lifespan), auth, hosts)
