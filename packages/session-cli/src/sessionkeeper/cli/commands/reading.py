"""Commands that read sessions without changing anything: info, list, show.

They read through core's lock-free reader (``read_session``), so they never block a process that
is writing the session, and they never create the data directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sessionkeeper.cli import console, messages, render
from sessionkeeper.cli.console import out
from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.helptext import LocalizedOption
from sessionkeeper.cli.pager import paged

from .describe import Row, keys_text, load_text, problem_rows
from .options import command, json_option, session_argument

if TYPE_CHECKING:
    from sessionkeeper.core import BackupStatus, SessionEntry, SessionStatus, SessionView, StorePaths

__all__ = ["info", "list_sessions_command", "show"]

_MISSING: Any = object()
_VALUE_WIDTH = 60  # characters of a value in the `show` table


@command("info")
@json_option
@click.pass_obj
def info(settings: Settings, as_json: bool) -> None:
    """Describe the current session."""
    from sessionkeeper.core import app_store_paths, list_sessions, read_scope, read_session, user_store_paths

    data_dir, session_id = settings.current_session()
    view = read_session(data_dir, session_id)
    entry = next((e for e in list_sessions(data_dir) if e.session_id == session_id), None)
    files = _files(entry.paths) if entry is not None else []
    size = sum(file_size for _, file_size in files)
    live = entry.live if entry is not None else False
    status = entry.status() if entry is not None else None
    # USER and APP are read from their own stores, lock-free (the session file holds only copies).
    places = settings.places
    keys = {
        "session": len(view.values),
        "user": len(read_scope(user_store_paths(places.user_dir), "user").values),
        "app": len(read_scope(app_store_paths(data_dir), "app").values),
    }
    report = view.report
    if as_json:
        render.emit_json(
            {
                "session_id": session_id,
                "data_dir": str(data_dir),
                "data_dir_origin": settings.data_dir_choice.origin,
                "started_at": render.iso(view.started_at),
                "last_checkpoint": render.iso(view.last_checkpoint),
                "resumed_from": view.resumed_from,
                "legacy": view.legacy,
                "keys": keys,
                "events": len(view.event_data),
                "size": size,
                "files": [{"path": str(path), "size": file_size} for path, file_size in files],
                "live": live,
                **_status_json(status),
                "last_save_error": view.last_save_error,
                "load": _load_json(view),
                "backup": _backup_json(data_dir, places.user_dir),
            }
        )
        return
    rows: list[Row] = [
        (messages.text("label.session"), messages.text("info.current", id=session_id)),
        (messages.text("label.data_dir"), f"{data_dir} ({settings.describe_data_dir()})"),
        (messages.text("label.started"), render.format_time(view.started_at)),
        (messages.text("label.last_checkpoint"), render.format_time(view.last_checkpoint)),
    ]
    if view.resumed_from:
        rows.append((messages.text("label.resumed_from"), view.resumed_from))
    rows += [
        (messages.text("label.keys"), messages.text("info.keys", counts=keys_text(keys))),
        (messages.text("label.events"), str(len(view.event_data))),
        (
            messages.text("label.size"),
            messages.text("info.size", size=render.format_size(size), files=len(files)),
        ),
        (
            messages.text("label.files"),
            [f"{_relative(path, data_dir)} ({render.format_size(file_size)})" for path, file_size in files],
        ),
        (messages.text("label.status"), _long_status(status)),
        (messages.text("label.last_update"), render.format_time(status.last_update if status else None)),
        (messages.text("label.source"), load_text(report.source, report.journal_records)),
    ]
    if view.legacy:
        rows.append((messages.text("label.legacy"), messages.text("info.legacy")))
    if view.last_save_error:
        rows.append((messages.text("label.last_save_error"), view.last_save_error))
    rows += _backup_rows(data_dir, places.user_dir)
    render.fields(rows + problem_rows(report.warnings, report.dropped))


def _backup_status(data_dir: Path, user_dir: Path) -> BackupStatus | None:
    """The remote backup's status from this machine's side (no network), if there is a remote or
    this data directory ever pushed to one; core's remote package is imported only then."""
    from sessionkeeper.core import remote_configured

    if not remote_configured() and not (data_dir / "remote.d" / "state.json").exists():
        return None
    from sessionkeeper.core import SessionkeeperError, backup_status, resolve_remote

    try:
        return backup_status(data_dir, user_dir, resolve_remote())
    except (SessionkeeperError, OSError):  # a bad setting is `session backup`'s to report
        return backup_status(data_dir, user_dir)


def _backup_json(data_dir: Path, user_dir: Path) -> dict[str, object] | None:
    import attrs

    found = _backup_status(data_dir, user_dir)
    return None if found is None else attrs.asdict(found)


def _backup_rows(data_dir: Path, user_dir: Path) -> list[Row]:
    found = _backup_status(data_dir, user_dir)
    if found is None:
        return []
    from .backup import backup_rows

    return [(messages.text("label.remote"), f"{found.location} ({found.host})"), *backup_rows(found)]


@command("list")
@json_option
@click.pass_obj
def list_sessions_command(settings: Settings, as_json: bool) -> None:
    """List the sessions of the data directory, oldest first."""
    from sessionkeeper.core import list_sessions, read_current

    data_dir = settings.existing_data_dir()
    entries = list_sessions(data_dir)
    current = read_current(data_dir)
    if as_json:
        render.emit_json(
            {
                "data_dir": str(data_dir),
                "current": current,
                "sessions": [_entry_json(entry, current) for entry in entries],
            }
        )
        return
    if not entries:
        out(messages.text("list.empty", path=data_dir))
        return
    yes, no = messages.text("yes"), messages.text("no")
    statuses = [entry.status() for entry in entries]
    render.table(
        [
            "",
            messages.text("column.session"),
            messages.text("column.started"),
            messages.text("column.last_update"),
            messages.text("column.status"),
            messages.text("column.size"),
            messages.text("column.backup"),
        ],
        [
            (
                "*" if entry.session_id == current else "",
                entry.session_id,
                entry.started_hint.strftime("%Y-%m-%d %H:%M:%S"),
                render.format_time(status.last_update),
                render.status(status.state, messages.text(f"status.{status.state}")),
                render.format_size(entry.size),
                yes if entry.has_backup else no,
            )
            for entry, status in zip(entries, statuses, strict=True)
        ],
        title=messages.text("list.title", path=data_dir, count=len(entries)),
        no_wrap={1, 2, 3},
    )
    if current is not None:
        out(messages.text("list.current_mark"))


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
            "load": _load_json(view),
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
def _files(paths: StorePaths) -> list[tuple[Path, int]]:
    """The session's files that exist now, with their sizes (snapshot, backup, journals)."""
    candidates = [paths.snapshot, paths.backup] + [paths.journal(epoch) for epoch in paths.journal_epochs()]
    found = []
    for path in candidates:
        try:
            found.append((path, os.stat(path).st_size))
        except OSError:  # removed by a concurrent checkpoint, or never written
            continue
    return found


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def _load_json(view: SessionView) -> dict[str, Any]:
    report = view.report
    return {
        "source": report.source,
        "journal_records": report.journal_records,
        "warnings": list(report.warnings),
        "dropped": list(report.dropped),
    }


def _entry_json(entry: SessionEntry, current: str | None) -> dict[str, Any]:
    return {
        "session_id": entry.session_id,
        "started": entry.started_hint.isoformat(),
        "size": entry.size,
        "has_snapshot": entry.has_snapshot,
        "has_backup": entry.has_backup,
        "live": entry.live,
        **_status_json(entry.status()),
        "current": entry.session_id == current,
    }


def _long_status(status: SessionStatus | None) -> str:
    state = status.state if status else "unknown"
    return render.status(state, messages.text(f"status.{state}.long"))


def _status_json(status: SessionStatus | None) -> dict[str, Any]:
    """How a session was left (core's ``session_status``): ``status`` is running, ended, crashed
    or unknown; ``graceful_shutdown`` and ``last_update`` are what its files say."""
    return {
        "status": status.state if status else "unknown",
        "graceful_shutdown": status.graceful_shutdown if status else None,
        "last_update": render.iso(status.last_update) if status else None,
        "host": status.host if status else None,
    }


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
