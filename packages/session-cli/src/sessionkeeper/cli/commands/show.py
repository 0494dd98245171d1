"""``session show``: a session's values and events (and USER/APP values on request), paged on a
terminal. Reads through core's lock-free reader, like every reading command.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sessionkeeper.cli import console, messages, render
from sessionkeeper.cli.console import out
from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.helptext import LocalizedOption
from sessionkeeper.cli.pager import paged

from .describe import Row, load_json, load_text, problem_rows
from .options import command, json_option, session_argument

if TYPE_CHECKING:
    from sessionkeeper.core import SessionView

__all__ = ["show"]

_MISSING: Any = object()
_VALUE_WIDTH = 60  # characters of a value in the `show` table


@command("show")
@session_argument(required=False)
@click.option("--limit", type=click.IntRange(min=0), metavar="N", cls=LocalizedOption, help="opt.show_limit")
@click.option("--tail", type=click.IntRange(min=0), metavar="N", cls=LocalizedOption, help="opt.show_tail")
@click.option(
    "--scope",
    "scopes",
    type=click.Choice(["session", "user", "app", "all"]),
    default="session",
    show_default=True,
    cls=LocalizedOption,
    help="opt.show_scope",
)
@click.option("--no-pager", is_flag=True, cls=LocalizedOption, help="opt.no_pager")
@json_option
@click.pass_obj
def show(
    settings: Settings,
    session_id: str | None,
    limit: int | None,
    tail: int | None,
    scopes: str,
    no_pager: bool,
    as_json: bool,
) -> None:
    """Show a session's values and events (the current session by default)."""
    from sessionkeeper.core import read_session

    if limit is not None and tail is not None:
        raise click.UsageError("--limit and --tail cannot be used together")
    data_dir, session_id = settings.session_or_current(session_id)
    view = read_session(data_dir, session_id)
    values, undecodable = _values(view)
    events = _events(view)
    shown = events[:limit] if limit is not None else events
    if tail is not None:
        shown = events[len(events) - tail :]
    shared = _shared_values(settings, data_dir, scopes)
    if as_json:
        data: dict[str, Any] = {
            "session_id": session_id,
            "stored_id": view.stored_id,
            "started_at": render.iso(view.started_at),
            "last_checkpoint": render.iso(view.last_checkpoint),
            "resumed_from": view.resumed_from,
            "legacy": view.legacy,
            "values": values,
            "undecodable": undecodable,
            "events": shown,
            "event_count": len(events),
            "load": load_json(view.report),
        }
        data.update({f"{scope}_values": scope_values for scope, scope_values in shared.items()})
        render.emit_json(data)
        return
    with paged(not no_pager):
        _show_text(view, session_id, (values, undecodable) if scopes in ("session", "all") else None, shared)
        if shown:
            which = messages.text("show.first" if limit is not None else "show.last")
            title = (
                messages.text("show.events", count=len(events))
                if len(shown) == len(events)
                else messages.text("show.events_part", shown=len(shown), count=len(events), which=which)
            )
            render.table(
                [messages.text("column.time"), messages.text("column.kind"), messages.text("column.what")],
                [(_event_time(event), str(event.get("kind", "?")), _event_summary(event)) for event in shown],
                title=title,
            )


def _shared_values(settings: Settings, data_dir: Path, scopes: str) -> dict[str, dict[str, Any]]:
    """USER and/or APP values as JSON, read lock-free from their own stores, as ``--scope`` asks."""
    from sessionkeeper.core import app_store_paths, read_scope, user_store_paths

    wanted = ("user", "app") if scopes == "all" else (scopes,) if scopes in ("user", "app") else ()
    found: dict[str, dict[str, Any]] = {}
    for scope in wanted:
        paths = user_store_paths(settings.places.user_dir) if scope == "user" else app_store_paths(data_dir)
        view = read_scope(paths, scope)
        names = view.keys()  # sorted
        found[scope] = {key: view.get(key) for key in names}
    return found


def _show_text(
    view: SessionView,
    session_id: str,
    session_values: tuple[dict[str, Any], dict[str, str]] | None,
    shared: dict[str, dict[str, Any]],
) -> None:
    rows: list[Row] = [
        (messages.text("label.session"), session_id),
        (messages.text("label.started"), render.format_time(view.started_at)),
        (messages.text("label.last_checkpoint"), render.format_time(view.last_checkpoint)),
    ]
    if view.stored_id != session_id:
        rows.append((messages.text("label.stored_id"), view.stored_id))
    if view.resumed_from:
        rows.append((messages.text("label.resumed_from"), view.resumed_from))
    if view.legacy:
        rows.append((messages.text("label.legacy"), messages.text("info.legacy")))
    rows.append((messages.text("label.source"), load_text(view.report.source, view.report.journal_records)))
    render.fields(rows + problem_rows(view.report.warnings, view.report.dropped))
    out()
    if session_values is not None:
        values, undecodable = session_values
        if values or undecodable:
            cells = [(key, render.format_value(value, limit=_VALUE_WIDTH)) for key, value in values.items()]
            cells += [
                (key, messages.text("show.undecodable", reason=reason)) for key, reason in undecodable.items()
            ]
            render.table(
                [messages.text("column.key"), messages.text("column.value")],
                sorted(cells),
                title=messages.text("show.values", count=len(cells)),
            )
        else:
            out(messages.text("show.no_values"))
    for scope, scope_values in shared.items():
        name = scope.upper()
        if not scope_values:
            out(messages.text("show.no_scope_values", scope=name))
            continue
        render.table(
            [messages.text("column.key"), messages.text("column.value")],
            sorted((key, render.format_value(v, limit=_VALUE_WIDTH)) for key, v in scope_values.items()),
            title=messages.text("show.scope_values", scope=name, count=len(scope_values)),
        )


# -- helpers ---------------------------------------------------------------------------------------
def _values(view: SessionView) -> tuple[dict[str, Any], dict[str, str]]:
    """Every SESSION value as JSON, and the keys whose stored value cannot be decoded here."""
    from sessionkeeper.core import ValueDecodeError

    values: dict[str, Any] = {}
    undecodable: dict[str, str] = {}
    keys = view.keys()  # sorted
    for key in keys:
        try:
            values[key] = render.jsonable(view.get(key))
        except ValueDecodeError as exc:  # e.g. an attrs class whose module this process cannot import
            undecodable[key] = str(exc)
    return values, undecodable


def _events(view: SessionView) -> list[dict[str, Any]]:
    """The session's events as JSON objects (with their ``kind``), oldest first."""
    from sessionkeeper.core import Event, unstructure

    try:
        return [render.jsonable(unstructure(event, Event)) for event in view.events()]
    except Exception as exc:  # a malformed event must not hide the rest of the session
        console.warn(messages.text("show.bad_events", reason=f"{type(exc).__name__}: {exc}"))
        return [render.jsonable(item) for item in view.event_data if isinstance(item, dict)]


def _event_time(event: dict[str, Any]) -> str:
    from datetime import datetime

    at = event.get("at")
    if not isinstance(at, str):
        return "-"
    try:
        return render.format_time(datetime.fromisoformat(at))
    except ValueError:
        return at


def _event_summary(event: dict[str, Any]) -> str:
    kind = event.get("kind")
    if kind == "command_executed":
        return messages.text("event.command", command=event.get("command"), code=event.get("exit_code"))
    if kind == "task_completed":
        outcome = messages.text("event.success" if event.get("success") else "event.failure")
        return messages.text("event.completed", task=event.get("task_id"), outcome=outcome)
    if kind == "task_started":
        return messages.text("event.started", task=event.get("task_id"), title=event.get("title") or "")
    return render.format_value(event, limit=_VALUE_WIDTH)
