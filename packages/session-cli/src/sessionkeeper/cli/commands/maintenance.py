"""Looking after a data directory: prune (retention now), verify (integrity of every file)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from sessionkeeper.cli import messages, render
from sessionkeeper.cli.console import out
from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.errors import CliError, LockedError
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
@click.option("--dry-run", is_flag=True, cls=LocalizedOption, help="opt.dry_run")
@json_option
@click.pass_obj
def prune(settings: Settings, max_sessions: int, dry_run: bool, as_json: bool) -> None:
    """Remove the oldest sessions beyond --max (archived first; never the current one or one in use)."""
    from sessionkeeper.core import (
        RetentionResult,
        apply_retention,
        list_sessions,
        plan_retention,
        resolve_codec,
        resolve_history_policy,
    )

    data_dir = settings.existing_data_dir()
    history = resolve_history_policy()
    if dry_run:
        planned = [entry.session_id for entry in plan_retention(data_dir, max_sessions, set())]
        result = RetentionResult(removed=tuple(planned))
    else:
        result = apply_retention(data_dir, max_sessions, set(), codec=resolve_codec(), history=history)
    kept = len(list_sessions(data_dir))
    if as_json:
        render.emit_json(
            {
                "dry_run": dry_run,
                "removed": list(result.removed),
                "archived": list(result.archived),
                "not_removed": [{"session_id": k.session_id, "reason": k.reason} for k in result.kept],
                "history_expired": list(result.expired),
                "kept": kept,
                "max": max_sessions,
                "history_days": history.days,
            }
        )
        return
    if result.removed:
        key = "prune.would" if dry_run else "prune.done"
        key = key if history.enabled else f"{key}_no_archive"
        out(messages.text(key, count=len(result.removed), max=max_sessions))
        for session_id in result.removed:
            out(f"  {session_id}")
    if result.kept:
        out(messages.text("prune.kept", count=len(result.kept)))
        for kept_session in result.kept:
            out(f"  {kept_session.session_id}: {kept_session.reason}")
    if result.expired:
        out(messages.text("prune.expired", count=len(result.expired), days=history.days))
    if not (result.removed or result.kept):
        out(messages.text("prune.nothing", kept=kept, max=max_sessions))
    else:
        out(messages.text("prune.remaining", kept=kept, path=data_dir))


@command("verify")
@json_option
@click.pass_obj
def verify(settings: Settings, as_json: bool) -> None:
    """Check every session file and journal, and the USER and APP stores; exit 1 if any is damaged,
    3 if none is but some are locked (encrypted, and no key or the wrong key is configured)."""
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
    damaged = [(kind, check) for kind, _, check in checks if not check.ok]
    locked = [check for _, _, check in checks if check.ok and check.locked]
    overall = "damaged" if damaged else "locked" if locked else "ok"
    if as_json:
        render.emit_json(
            {
                "ok": overall == "ok",
                "status": overall,
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
                (check.name, kind, _status_text(exists, check), _details(kind, check))
                for kind, exists, check in checks
            ],
            title=messages.text("verify.title", path=data_dir),
            no_wrap={0},
        )
        if overall == "ok":
            out(messages.text(messages.singular_for("verify.ok", len(checks)), count=len(checks)))
    if damaged:
        # Damage wins over locked stores: it is the one that needs doing something about.
        repair = (
            messages.text("verify.repair.one", command=_repair(*damaged[0]))
            if len(damaged) == 1
            else messages.text("verify.repair.many")
        )
        raise CliError(
            messages.singular_for("verify.damaged", len(damaged)),
            count=len(damaged),
            total=len(checks),
            repair=repair,
        )
    if locked:
        wrong = any(check.wrong_key for check in locked)
        reason = messages.text("verify.reason.wrong_key" if wrong else "verify.reason.no_key")
        raise LockedError(
            messages.singular_for("verify.locked", len(locked)),
            count=len(locked),
            total=len(checks),
            reason=reason,
        )


def _status(exists: bool, check: StoreCheck) -> str:
    """A store's status for scripts: ok, absent, locked or damaged."""
    if not check.ok:
        return "damaged"
    if check.locked:
        return "locked"
    return "ok" if exists else "absent"


def _status_text(exists: bool, check: StoreCheck) -> str:
    status = _status(exists, check)
    if status == "locked":
        text = messages.text("verify.status.wrong_key" if check.wrong_key else "verify.status.no_key")
    else:
        text = messages.text(f"verify.status.{status}")
    return render.status(status, text)


def _repair(kind: str, check: StoreCheck) -> str:
    """The command that repairs a damaged store (a session is recovered; any change to a USER or
    APP value writes that scope's store afresh)."""
    if kind == "session":
        return f"session recover {check.name}"
    return f"session set --scope {kind} KEY VALUE"


def _details(kind: str, check: StoreCheck) -> str:
    """What a person needs first: how to repair a damaged store and which key locked files need;
    then what was found."""
    lines: list[str] = []
    if not check.ok:
        hint = "verify.hint.session" if kind == "session" else "verify.hint.scope"
        lines.append(messages.text(hint, command=_repair(kind, check), scope=kind))
    if check.locked:  # alone, or beside damage that needs no key to be seen
        keys = ", ".join(check.needed_keys) or "?"
        lines.append(messages.text("verify.needs_key", keys=keys, count=len(check.locked)))
    # The short lines first: a long cell is cut (--json has everything).
    return "\n".join(lines + list(check.problems) + list(check.notes))


def _check_json(kind: str, exists: bool, check: StoreCheck) -> dict[str, Any]:
    status = _status(exists, check)
    return {
        "name": check.name,
        "kind": kind,
        "exists": exists,
        "status": status,
        "ok": status in ("ok", "absent"),
        "key": ("wrong" if check.wrong_key else "missing") if check.locked else None,
        "needed_keys": list(check.needed_keys),
        "problems": list(check.problems),
        "locked": list(check.locked),
        "notes": list(check.notes),
        "repair": _repair(kind, check) if status == "damaged" else None,
    }
