"""``session backup pull``: the USER scope merged from every machine that pushes to the remote
(core's ``pull_user``; see docs/remote.md). The report names keys, machines and times, never
values (a USER value may be a token)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from sessionkeeper.cli import messages, render
from sessionkeeper.cli.console import out
from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.helptext import LocalizedOption
from sessionkeeper.cli.transfer_bar import transfer_bar

from .backup_common import BackupCommand, configured_remote, remote_option, store_codec
from .options import json_option

if TYPE_CHECKING:
    from sessionkeeper.core import PullResult

__all__ = ["pull"]


@click.command("pull", cls=BackupCommand)
@remote_option
@click.option("--dry-run", is_flag=True, cls=LocalizedOption, help="opt.backup_pull_dry_run")
@json_option
@click.pass_obj
def pull(settings: Settings, remote_url: str | None, dry_run: bool, as_json: bool) -> None:
    """Merge USER from every machine on the remote."""
    from sessionkeeper.core import pull_user

    remote = configured_remote(remote_url)
    data_dir = settings.existing_data_dir()
    with transfer_bar(messages.text("progress.fetching")) as bar:
        result = pull_user(
            data_dir, settings.places.user_dir, remote, store_codec(), dry_run=dry_run, progress=bar
        )
    if as_json:
        render.emit_json(_json(result, str(remote.url)))
        return
    _text(result, str(remote.url))


def _json(result: PullResult, remote: str) -> dict[str, object]:
    return {
        "remote": remote,
        "host": result.host,
        "dry_run": result.dry_run,
        "hosts": list(result.hosts),
        "skipped": [{"host": host, "reason": reason} for host, reason in result.skipped],
        "took": result.count("took"),
        "deleted": result.count("deleted"),
        "kept": result.count("kept"),
        "deferred": result.count("deferred"),
        "in_sync": result.in_sync,
        "keys": [
            {
                "key": key.key,
                "action": key.action,
                "host": key.host,
                "at": key.at,
                "disagreed": list(key.disagreed),
            }
            for key in result.keys
        ],
        "warnings": list(result.warnings),
    }


def _text(result: PullResult, remote: str) -> None:
    for host, reason in result.skipped:
        click.echo(
            messages.text("warning", message=messages.text("pull.skipped", host=host, reason=reason)),
            err=True,
        )
    for warning in result.warnings:
        click.echo(messages.text("warning", message=warning), err=True)
    if result.keys:
        render.table(
            [
                messages.text("column.key"),
                messages.text("column.pull_action"),
                messages.text("column.host"),
                messages.text("column.written_at"),
                messages.text("column.disagreed"),
            ],
            [
                (
                    key.key,
                    messages.text(f"pull.action.{key.action}"),
                    key.host,
                    key.at,
                    ", ".join(key.disagreed) or "-",
                )
                for key in result.keys
            ],
            no_wrap={2, 3},
        )
    headline = "pull.would" if result.dry_run else "pull.done"
    out(
        messages.text(
            headline,
            remote=remote,
            hosts=len(result.hosts),
            took=result.count("took"),
            deleted=result.count("deleted"),
            kept=result.count("kept"),
            deferred=result.count("deferred"),
            in_sync=result.in_sync,
        )
    )
