"""Commands that read sessions without changing anything: info, list (``show`` is in :mod:`.show`).

They read through core's lock-free reader (``read_session``), so they never block a process that
is writing the session, and they never create the data directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sessionkeeper.cli import messages, render
from sessionkeeper.cli.console import out
from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.helptext import LocalizedOption

from .describe import Row, keys_text, load_json, load_text, problem_rows
from .options import command, json_option

if TYPE_CHECKING:
    from sessionkeeper.core import BackupStatus, SessionEntry, SessionStatus, StorePaths

__all__ = ["info", "list_sessions_command"]


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
                "load": load_json(view.report),
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
@click.option("--remote", "remote", is_flag=True, cls=LocalizedOption, help="opt.list_remote")
@json_option
@click.pass_obj
def list_sessions_command(settings: Settings, remote: bool, as_json: bool) -> None:
    """List the sessions of the data directory, oldest first."""
    from sessionkeeper.core import list_sessions, read_current

    if remote:  # every host's sessions, from the remote's manifests (see backup.py)
        from .backup_remote import list_remote

        list_remote(as_json)
        return
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
