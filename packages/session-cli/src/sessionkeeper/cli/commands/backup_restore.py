"""``session backup restore SESSION_ID | --all``: sessions (and, with ``--all``, the APP store)
fetched from the remote into the data directory or ``--to DIR`` (core's ``restore_session`` and
``restore_all``; every object checked before a file is written, nothing present overwritten)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sessionkeeper.cli import messages, render
from sessionkeeper.cli.console import out
from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.errors import CliError
from sessionkeeper.cli.helptext import LocalizedOption
from sessionkeeper.cli.transfer_bar import transfer_bar

from .backup_common import BackupCommand, configured_remote, remote_option, store_codec
from .backup_remote import match_pushed
from .options import json_option

if TYPE_CHECKING:
    from sessionkeeper.core import Codec
    from sessionkeeper.core.remote.restore import RestoreAllResult, RestoreResult

__all__ = ["restore"]


@click.command("restore", cls=BackupCommand)
@click.argument("session_ref", metavar="SESSION_ID", required=False)
@click.option("--all", "everything", is_flag=True, cls=LocalizedOption, help="opt.restore_all")
@remote_option
@click.option(
    "--to",
    "to_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    cls=LocalizedOption,
    help="opt.restore_to",
)
@click.option("--host", metavar="HOST", cls=LocalizedOption, help="opt.backup_host")
@click.option("--at", "at_text", metavar="TIME", cls=LocalizedOption, help="opt.restore_at")
@click.option("--dry-run", is_flag=True, cls=LocalizedOption, help="opt.restore_dry_run")
@json_option
@click.pass_obj
def restore(
    settings: Settings,
    session_ref: str | None,
    everything: bool,
    remote_url: str | None,
    to_dir: Path | None,
    host: str | None,
    at_text: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Fetch a session (or --all) from the remote into the data directory (or --to DIR)."""
    if (session_ref is None) == (not everything):
        raise CliError("backup.restore_what")
    remote = configured_remote(remote_url)
    codec = store_codec()
    target = remote.open()
    host = host or remote.host
    at = _moment(at_text)
    destination = to_dir.expanduser().absolute() if to_dir is not None else settings.data_dir_for_writing()
    if everything:
        from sessionkeeper.core.remote.restore import restore_all

        with transfer_bar(messages.text("progress.fetching")) as bar:
            found = restore_all(target, codec, host, destination, at=at, progress=bar, dry_run=dry_run)
        _report_all(found, as_json)
        return
    from sessionkeeper.core import restore_session

    assert session_ref is not None
    session_id = _remote_session_id(target, codec, host, session_ref)
    with transfer_bar(messages.text("progress.fetching")) as bar:
        result = restore_session(
            target, codec, host, session_id, destination, at=at, progress=bar, dry_run=dry_run
        )
    if as_json:
        render.emit_json(_result_json(result))
        return
    out(
        messages.text(
            "backup.would_restore" if dry_run else "backup.restored",
            id=result.session_id,
            path=result.data_dir,
            host=result.host,
            seq=result.seq,
            at=result.pushed_at,
            keys=result.keys,
            events=result.events,
        )
    )
    for warning in result.warnings:
        click.echo(messages.text("warning", message=warning), err=True)


def _result_json(result: RestoreResult) -> dict[str, object]:
    return {
        "session_id": result.session_id,
        "host": result.host,
        "seq": result.seq,
        "pushed_at": result.pushed_at,
        "data_dir": str(result.data_dir),
        "files": [str(path) for path in result.files],
        "bytes": result.bytes,
        "keys": result.keys,
        "events": result.events,
        "warnings": list(result.warnings),
        "dry_run": result.dry_run,
    }


def _report_all(found: RestoreAllResult, as_json: bool) -> None:
    if as_json:
        render.emit_json(
            {
                "host": found.host,
                "seq": found.seq,
                "pushed_at": found.pushed_at,
                "data_dir": str(found.data_dir),
                "dry_run": found.dry_run,
                "restored": [_result_json(result) for result in found.restored],
                "present": list(found.present),
            }
        )
        return
    for result in found.restored:
        for warning in result.warnings:
            click.echo(messages.text("warning", message=f"{result.session_id}: {warning}"), err=True)
    out(
        messages.text(
            "backup.would_restore_all" if found.dry_run else "backup.restored_all",
            count=len(found.restored),
            path=found.data_dir,
            host=found.host,
            seq=found.seq,
            at=found.pushed_at,
            present=len(found.present),
            size=render.format_size(sum(result.bytes for result in found.restored)),
        )
    )


def _moment(text: str | None) -> datetime | None:
    """``--at``: an ISO 8601 time (``2026-12-01T09:30``, ``2026-12-01 09:30:00+09:00``); without a
    zone it is local time."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError("backup.bad_time", value=text) from None
    return moment if moment.tzinfo is not None else moment.astimezone()


def _remote_session_id(target: Any, codec: Codec, host: str, reference: str) -> str:
    """The whole id ``reference`` means among the sessions of ``host``'s latest push: the id, or a
    unique start of it or of its random part."""
    from sessionkeeper.core import pushed_sessions

    pushed = pushed_sessions(target, codec, host)
    if pushed is None:
        raise CliError("backup.no_host", host=host, remote=target.location)
    found = match_pushed(reference, pushed[1])
    if found is None:
        raise CliError("backup.no_session", ref=reference, host=host, remote=target.location)
    return found
