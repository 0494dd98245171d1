"""Looking after a data directory: prune (retention now), verify (integrity of every file)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from sessionkeeper.cli import messages, render
from sessionkeeper.cli.console import out
from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.errors import CliError
from sessionkeeper.cli.helptext import LocalizedOption

from .options import command, json_option

if TYPE_CHECKING:
    from sessionkeeper.core import StoreCheck

__all__ = ["DEFAULT_MAX_SESSIONS", "prune", "verify"]

DEFAULT_MAX_SESSIONS = 10  # core's default retention (SessionManager.max_sessions)


@command("prune")
@click.option(
    "--max",
    "max_sessions",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_SESSIONS,
    show_default=True,
    cls=LocalizedOption,
    help="opt.max",
)
@json_option
@click.pass_obj
def prune(settings: Settings, max_sessions: int, as_json: bool) -> None:
    """Remove the oldest sessions beyond --max (never the current one or one in use)."""
    from sessionkeeper.core import list_sessions, prune_sessions

    data_dir = settings.existing_data_dir()
    removed = prune_sessions(data_dir, max_sessions, set())
    kept = len(list_sessions(data_dir))
    if as_json:
        render.emit_json({"removed": removed, "kept": kept, "max": max_sessions})
        return
    if not removed:
        out(messages.text("prune.nothing", kept=kept, max=max_sessions))
        return
    out(messages.text("prune.done", count=len(removed), kept=kept))
    for session_id in removed:
        out(f"  {session_id}")


@command("verify")
@json_option
@click.pass_obj
def verify(settings: Settings, as_json: bool) -> None:
    """Check every session file and journal, and the USER and APP stores; exit 1 if any is damaged."""
    from sessionkeeper.core import app_store_paths, list_sessions, user_store_paths, verify_store

    data_dir = settings.existing_data_dir()
    checks: list[tuple[str, bool, StoreCheck]] = []
    for entry in list_sessions(data_dir):
        checks.append(("session", True, verify_store(entry.paths, "session")))
    for kind, paths in (
        ("user", user_store_paths(settings.places.user_dir)),
        ("app", app_store_paths(data_dir)),
    ):
        checks.append((kind, paths.exists(), verify_store(paths, kind)))
    damaged = [check for _, _, check in checks if not check.ok]
    if as_json:
        render.emit_json(
            {
                "ok": not damaged,
                "data_dir": str(data_dir),
                "stores": [_check_json(kind, exists, check) for kind, exists, check in checks],
            }
        )
    else:
        render.table(
            [
                messages.text("column.store"),
                messages.text("column.kind"),
                messages.text("column.status"),
                messages.text("column.details"),
            ],
            [
                (check.name, kind, _status(exists, check), "\n".join(check.problems + check.notes))
                for kind, exists, check in checks
            ],
            title=messages.text("verify.title", path=data_dir),
            no_wrap={0},
        )
        if not damaged:
            out(messages.text("verify.ok", count=len(checks)))
    if damaged:
        raise CliError("verify.damaged", count=len(damaged), total=len(checks))


def _status(exists: bool, check: StoreCheck) -> str:
    if not check.ok:
        return messages.text("verify.status.damaged")
    return messages.text("verify.status.ok" if exists else "verify.status.absent")


def _check_json(kind: str, exists: bool, check: StoreCheck) -> dict[str, Any]:
    return {
        "name": check.name,
        "kind": kind,
        "exists": exists,
        "ok": check.ok,
        "problems": list(check.problems),
        "notes": list(check.notes),
    }
