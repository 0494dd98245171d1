"""Commands that choose or maintain the current session: start, resume, recover, checkpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from sessionkeeper.cli import messages, render
from sessionkeeper.cli.console import err, out, warn
from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.errors import CliError
from sessionkeeper.cli.helptext import LocalizedOption

from .describe import Row, keys_text, load_text, problem_rows
from .options import SessionIdType, command, json_option, session_argument

if TYPE_CHECKING:
    from sessionkeeper.core import LoadSummary, SessionInfo

__all__ = ["checkpoint", "recover", "resume", "start"]


@command("start")
@json_option
@click.pass_obj
def start(settings: Settings, as_json: bool) -> None:
    """Start a new session and make it current; print its id."""
    with settings.manager() as session:
        session_id = session.start()
        retention = session.last_retention
    if as_json:
        data: dict[str, Any] = {"session_id": session_id}
        if retention is not None:
            data["retention"] = {
                "removed": list(retention.removed),
                "archived": list(retention.archived),
                "not_removed": [{"session_id": k.session_id, "reason": k.reason} for k in retention.kept],
            }
        render.emit_json(data)
        return
    out(session_id)  # alone on stdout (SID=$(session start)); what retention did goes to stderr
    if retention is not None and retention.removed:
        err(messages.text("retention.removed", count=len(retention.removed), max=session.max_sessions))
    for kept in retention.kept if retention is not None else ():
        warn(messages.text("retention.kept", id=kept.session_id, reason=kept.reason))


@command("resume")
@json_option
@click.pass_obj
def resume(settings: Settings, as_json: bool) -> None:
    """Make the latest session current again and summarise it."""
    settings.existing_data_dir()
    with settings.manager() as session:
        session.resume()
        info = session.info()
    assert info.load is not None  # resume() always records how it loaded the session
    _report(info.load, info, as_json, headline="resume.done")


@command("recover")
# Resolved here, not by SessionIdType: an id or prefix no local session has may be on the remote.
@click.argument("session_ref", metavar="SESSION_ID", shell_complete=SessionIdType().shell_complete)
@json_option
@click.pass_obj
def recover(settings: Settings, session_ref: str, as_json: bool) -> None:
    """Make SESSION_ID current, from its backup if its newest file is unreadable."""
    from sessionkeeper.core import list_sessions

    data_dir = settings.existing_data_dir()
    session_id: str | None = None
    missing: CliError | None = None
    try:
        session_id = settings.resolve_session(session_ref)
    except CliError as exc:
        if exc.message_id not in ("id.no_match", "id.no_sessions"):
            raise
        missing = exc
    fetched = None
    if session_id is None or session_id not in {entry.session_id for entry in list_sessions(data_dir)}:
        from .backup_remote import fetch_for_recover  # the local copy is gone: the remote's, if any

        fetched = fetch_for_recover(data_dir, session_id or session_ref)
        if fetched is not None:
            session_id = str(fetched["session_id"])
            if not as_json:
                err(messages.text("recover.fetched", id=session_id, **fetched))
        elif missing is not None:
            raise missing
    assert session_id is not None
    with settings.manager() as session:
        summary = session.recover(session_id)
        repaired: bool | None = None
        if summary.source == "backup" or summary.dropped:
            # Write the recovered state as a fresh snapshot now, so that the damaged file is
            # replaced (the backup is kept) instead of being skipped again on every load.
            repaired = session.checkpoint()
        info = session.info()
    _report(summary, info, as_json, headline="recover.done", repaired=repaired, fetched=fetched)
    if repaired is False:
        raise CliError("error.repair_failed", detail=info.last_save_error or "?")


@command("checkpoint")
@session_argument(required=False)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    cls=LocalizedOption,
    help="opt.wait",
)
@json_option
@click.pass_obj
def checkpoint(settings: Settings, session_id: str | None, wait: float, as_json: bool) -> None:
    """Compact a session's journals into a fresh snapshot (the current session by default)."""
    from sessionkeeper.core import checkpoint_session

    data_dir, session_id = settings.session_or_current(session_id)
    loaded = checkpoint_session(data_dir, session_id, lock_timeout=wait)
    report = loaded.report
    if as_json:
        render.emit_json(
            {
                "session_id": session_id,
                "keys": len(loaded.values),
                "events": len(loaded.events),
                "journal_records": report.journal_records,
                "warnings": list(report.warnings),
                "dropped": list(report.dropped),
            }
        )
        return
    out(messages.text("checkpoint.done", id=session_id, keys=len(loaded.values), events=len(loaded.events)))
    render.fields(problem_rows(report.warnings, report.dropped))


def _report(
    summary: LoadSummary,
    info: SessionInfo,
    as_json: bool,
    *,
    headline: str,
    repaired: bool | None = None,
    fetched: dict[str, Any] | None = None,
) -> None:
    """What resume/recover read and what it had to drop, for scripts or people."""
    if as_json:
        data: dict[str, Any] = {
            "session_id": summary.session_id,
            "source": summary.source,
            "journal_records": summary.journal_records,
            "warnings": list(summary.warnings),
            "dropped": list(summary.dropped),
            "continued_from": summary.continued_from,
            "started_at": render.iso(info.started_at),
            "keys": {scope: count for scope, count in info.keys.items() if scope != "temp"},
            "events": info.events,
        }
        if repaired is not None:
            data["repaired"] = repaired
        if fetched is not None:
            data["fetched_from"] = fetched
        render.emit_json(data)
        return
    out(messages.text(headline, id=summary.session_id))
    rows: list[Row] = [
        (messages.text("label.source"), load_text(summary.source, summary.journal_records)),
        (messages.text("label.started"), render.format_time(info.started_at)),
        (messages.text("label.keys"), keys_text(info.keys)),
        (messages.text("label.events"), str(info.events)),
    ]
    if summary.continued_from:
        rows.append((messages.text("label.continued_from"), summary.continued_from))
    if repaired:
        rows.append((messages.text("label.repaired"), messages.text("recover.repaired")))
    render.fields(rows + problem_rows(summary.warnings, summary.dropped))
