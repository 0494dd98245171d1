"""``session history``: the sessions retention moved into the history archive (core's ``history``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from sessionkeeper.cli import messages, render
from sessionkeeper.cli.console import out, warn
from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.helptext import LocalizedOption

from .options import command, json_option

if TYPE_CHECKING:
    from sessionkeeper.core import ArchivedSession

__all__ = ["history"]


@command("history")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    cls=LocalizedOption,
    help="opt.history_limit",
)
@json_option
@click.pass_obj
def history(settings: Settings, limit: int | None, as_json: bool) -> None:
    """List the sessions the history archive keeps, oldest first."""
    from sessionkeeper.core import SessionkeeperError, history_dir, list_history, read_history, resolve_codec

    data_dir = settings.existing_data_dir()
    files = list(list_history(data_dir).files)
    if limit is not None:
        files = files[-limit:]
    codec = resolve_codec()
    archived: list[ArchivedSession] = []
    unreadable: list[tuple[str, str]] = []
    for file in files:
        try:
            archived.append(read_history(file, codec)[0])
        except SessionkeeperError as exc:  # damaged, or no key: named, the others still listed
            unreadable.append((file.path.name, str(exc)))
    archived.sort(key=lambda summary: (summary.started_at, summary.session_id))  # names: to the second
    folder = history_dir(data_dir)
    if as_json:
        render.emit_json(
            {
                "history_dir": str(folder),
                "sessions": [_json(summary) for summary in archived],
                "unreadable": [{"file": name, "reason": reason} for name, reason in unreadable],
            }
        )
        return
    for name, reason in unreadable:
        warn(f"{name}: {reason}")
    if not archived:
        out(messages.text("history.empty", path=folder))
        return
    render.table(
        [
            messages.text("column.session"),
            messages.text("column.started"),
            messages.text("column.ended"),
            messages.text("column.status"),
            messages.text("column.events"),
            messages.text("column.host"),
        ],
        [
            (
                summary.session_id,
                render.format_time(summary.started_at),
                render.format_time(summary.ended_at),
                render.status(summary.ending, messages.text(f"status.{summary.ending}")),
                f"{summary.events:,}",
                summary.host or "-",
            )
            for summary in archived
        ],
        title=messages.text("history.title", path=folder, count=len(archived)),
        no_wrap={0, 1, 2},
    )


def _json(summary: ArchivedSession) -> dict[str, Any]:
    return {
        "session_id": summary.session_id,
        "started_at": render.iso(summary.started_at),
        "ended_at": render.iso(summary.ended_at),
        "ending": summary.ending,
        "host": summary.host,
        "keys": summary.keys,
        "events": summary.events,
        "archived_at": render.iso(summary.archived_at),
        "resumed_from": summary.resumed_from,
    }
