"""Remote backup: ``session backup status | push | pull | restore ID | verify | prune`` (core's
``sessionkeeper.core`` remote API; see docs/remote.md).

The remote is ``--remote URL``, else ``SESSIONKEEPER_REMOTE``, else ``remote`` in the project's
``[tool.sessionkeeper]``; S3 endpoint and credentials come from the AWS variables only. Every
command has ``--json``; ``push`` and ``prune`` have ``--dry-run``. Messages never show an endpoint
or a credential (core's errors do not carry them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from sessionkeeper.cli import messages, render
from sessionkeeper.cli.console import out
from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.errors import CliError, LockedError
from sessionkeeper.cli.helptext import LocalizedGroup, LocalizedOption
from sessionkeeper.cli.transfer_bar import transfer_bar

from .backup_common import BackupCommand, configured_remote, remote_option, store_codec
from .backup_pull import pull
from .backup_restore import restore
from .options import json_option

if TYPE_CHECKING:
    from sessionkeeper.core import BackupStatus

__all__ = ["backup", "backup_rows"]


@click.group("backup", cls=LocalizedGroup)
def backup() -> None:
    """Remote backup (see ``help.backup``)."""


backup.add_command(pull)
backup.add_command(restore)


# -- push ------------------------------------------------------------------------------------------
@backup.command("push", cls=BackupCommand)
@remote_option
@click.option("--dry-run", is_flag=True, cls=LocalizedOption, help="opt.backup_dry_run")
@json_option
@click.pass_obj
def push(settings: Settings, remote_url: str | None, dry_run: bool, as_json: bool) -> None:
    """Push every store to the remote now."""
    from sessionkeeper.core import push_remote

    remote = configured_remote(remote_url)
    data_dir = settings.existing_data_dir()
    with transfer_bar(messages.text("progress.sending")) as bar:
        result = push_remote(
            data_dir, settings.places.user_dir, remote, store_codec(), dry_run=dry_run, progress=bar
        )
    if as_json:
        render.emit_json(
            {
                "remote": str(remote.url),
                "host": result.host,
                "dry_run": result.dry_run,
                "changed": result.changed,
                "seq": result.seq,
                "index": result.index,
                "objects": result.objects,
                "bytes": result.bytes,
                "reused": result.reused,
                "stores": result.stores,
                "skipped": [{"store": store, "reason": reason} for store, reason in result.skipped],
                "seconds": round(result.seconds, 3),
            }
        )
        return
    size = render.format_size(result.bytes)
    if dry_run:
        key = "backup.would_push" if result.objects else "backup.nothing_to_push"
        out(messages.text(key, count=result.objects, size=size, remote=remote.url, host=result.host))
    elif result.changed:
        out(
            messages.text(
                "backup.pushed",
                count=result.objects,
                size=size,
                remote=remote.url,
                host=result.host,
                seq=result.seq,
                stores=result.stores,
            )
        )
    else:
        out(messages.text("backup.up_to_date", remote=remote.url, host=result.host, seq=result.seq))
    for store, reason in result.skipped:
        click.echo(
            messages.text("warning", message=messages.text("backup.skipped", store=store, reason=reason)),
            err=True,
        )


# -- status ----------------------------------------------------------------------------------------
@backup.command("status", cls=BackupCommand)
@remote_option
@json_option
@click.pass_obj
def status(settings: Settings, remote_url: str | None, as_json: bool) -> None:
    """Where the backup stands: last push, lag, backlog, last error."""
    from sessionkeeper.core import SessionkeeperError, backup_status, pushed_sessions

    remote = configured_remote(remote_url)
    data_dir = settings.existing_data_dir()
    local = backup_status(data_dir, settings.places.user_dir, remote)
    assert local is not None  # a remote was given
    remote_seq: int | None = None
    remote_error: str | None = None
    try:  # the remote as it is now (reading its manifest also proves the key)
        pushed = pushed_sessions(remote.open(), store_codec(), remote.host)
        remote_seq = pushed[0] if pushed else 0
    except (SessionkeeperError, OSError) as exc:
        remote_error = str(exc)
    if as_json:
        render.emit_json(
            {
                "remote": str(remote.url),
                "origin": remote.origin,
                "host": remote.host,
                "seq": local.seq,
                "remote_seq": remote_seq,
                "last_success": local.last_success,
                "lag_seconds": None if local.lag_seconds is None else round(local.lag_seconds, 3),
                "backlog_objects": local.backlog_objects,
                "backlog_bytes": local.backlog_bytes,
                "over_bound": local.over_bound,
                "bound_bytes": local.bound_bytes,
                "bound_lag_seconds": local.bound_lag_seconds,
                "last_error": local.last_error,
                "failures": local.failures,
                "pushed_objects": local.pushed_objects,
                "pushed_bytes": local.pushed_bytes,
                "skipped": [{"store": store, "reason": reason} for store, reason in local.skipped],
                "remote_error": remote_error,
            }
        )
        return
    rows = [
        (
            messages.text("label.remote"),
            messages.text("backup.remote_value", url=remote.url, origin=remote.origin),
        ),
        (messages.text("label.backup_host"), remote.host),
        *backup_rows(local),
    ]
    if remote_error is not None:
        rows.append((messages.text("label.remote_now"), render.status("damaged", remote_error)))
    render.fields(rows)


def backup_rows(local: BackupStatus) -> list[tuple[str, str]]:
    """The fields of a backup's status (``backup status`` and ``info``)."""
    never = messages.text("backup.never")
    lag = local.lag_seconds
    backlog = (
        messages.text(
            "backup.backlog", count=local.backlog_objects, size=render.format_size(local.backlog_bytes)
        )
        if local.backlog_objects
        else messages.text("backup.no_backlog")
    )
    if local.over_bound:
        backlog = render.status(
            "damaged",
            messages.text(
                "backup.over_bound",
                backlog=backlog,
                size=render.format_size(local.bound_bytes),
                hours=f"{local.bound_lag_seconds / 3600:g}",
            ),
        )
    return [
        (
            messages.text("label.last_push"),
            messages.text("backup.seq", seq=local.seq) if local.seq else never,
        ),
        (messages.text("label.last_success"), local.last_success or never),
        (
            messages.text("label.lag"),
            never if lag is None else messages.text("backup.seconds", seconds=f"{lag:.1f}"),
        ),
        (messages.text("label.backlog"), backlog),
        (
            messages.text("label.last_error"),
            render.status("damaged", local.last_error) if local.last_error else messages.text("backup.none"),
        ),
        *(
            (
                messages.text("label.not_pushed"),
                render.status("damaged", messages.text("backup.skipped", store=store, reason=reason)),
            )
            for store, reason in local.skipped
        ),
    ]


# -- verify ----------------------------------------------------------------------------------------
@backup.command("verify", cls=BackupCommand)
@remote_option
@click.option("--quick", is_flag=True, cls=LocalizedOption, help="opt.backup_quick")
@json_option
@click.pass_obj
def verify(settings: Settings, remote_url: str | None, quick: bool, as_json: bool) -> None:
    """Check every manifest, index and object of the remote."""
    from sessionkeeper.core import RemoteKeyError, verify_remote

    remote = configured_remote(remote_url)
    try:
        check = verify_remote(remote.open(), store_codec(), deep=not quick)
    except RemoteKeyError as exc:
        raise LockedError("backup.verify_locked", detail=str(exc)) from None
    if as_json:
        render.emit_json(
            {
                "remote": str(remote.url),
                "ok": check.ok,
                "hosts": [
                    {"host": h.host, "seq": h.seq, "pushes": h.pushes, "latest_at": h.latest_at}
                    for h in check.hosts
                ],
                "objects": check.objects,
                "bytes": check.bytes,
                "unreferenced": check.unreferenced,
                "problems": [{"key": key, "problem": problem} for key, problem in check.problems],
            }
        )
    else:
        render.table(
            [messages.text("column.host"), messages.text("column.pushes"), messages.text("column.latest")],
            [(h.host, str(h.pushes), h.latest_at or "") for h in check.hosts],
            no_wrap=(0,),
        )
        for key, problem in check.problems:
            out(render.status("damaged", f"{key}: {problem}"))
        if check.ok:
            out(
                messages.text(
                    "backup.verify_ok",
                    objects=check.objects,
                    size=render.format_size(check.bytes),
                    hosts=len(check.hosts),
                    unreferenced=check.unreferenced,
                )
            )
    if not check.ok:
        raise CliError("backup.verify_problems", count=len(check.problems), remote=remote.url)


# -- prune -----------------------------------------------------------------------------------------
@backup.command("prune", cls=BackupCommand)
@remote_option
@click.option(
    "--keep-last",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    cls=LocalizedOption,
    help="opt.backup_keep_last",
)
@click.option(
    "--keep-within",
    "keep_days",
    type=click.FloatRange(min=0, min_open=True),
    metavar="DAYS",
    cls=LocalizedOption,
    help="opt.backup_keep_within",
)
@click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=3600.0,
    show_default=True,
    metavar="SECONDS",
    cls=LocalizedOption,
    help="opt.backup_grace",
)
@click.option("--dry-run", is_flag=True, cls=LocalizedOption, help="opt.backup_prune_dry_run")
@json_option
@click.pass_obj
def prune(
    settings: Settings,
    remote_url: str | None,
    keep_last: int,
    keep_days: float | None,
    grace: float,
    dry_run: bool,
    as_json: bool,
) -> None:
    """This machine's old pushes dropped, then what no manifest needs removed."""
    from sessionkeeper.core.remote.prune import prune_remote

    remote = configured_remote(remote_url)
    data_dir = settings.existing_data_dir()
    result = prune_remote(
        remote.open(),
        store_codec(),
        remote.host,
        data_dir,
        keep_last=keep_last,
        keep_within=None if keep_days is None else keep_days * 86400,
        grace=grace,
        dry_run=dry_run,
    )
    if as_json:
        render.emit_json(
            {
                "remote": str(remote.url),
                "host": result.host,
                "dry_run": result.dry_run,
                "pushes_kept": result.pushes_kept,
                "pushes_dropped": result.pushes_dropped,
                "objects_removed": result.objects_removed,
                "bytes_removed": result.bytes_removed,
                "candidates": result.candidates,
                "removed": list(result.removed),
            }
        )
        return
    out(
        messages.text(
            "backup.would_prune" if dry_run else "backup.pruned",
            remote=remote.url,
            host=result.host,
            dropped=result.pushes_dropped,
            kept=result.pushes_kept,
            count=result.objects_removed,
            size=render.format_size(result.bytes_removed),
            candidates=result.candidates,
        )
    )
