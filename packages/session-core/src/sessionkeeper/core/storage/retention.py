"""Retention: the oldest sessions beyond ``max_sessions`` go — into the history archive first.

Never removed: a protected session (the caller's running one), the data directory's current
session, a session some process has open (``live``), and the old tool's files (read-only history
that Sessionkeeper promises never to change). With the archive on (``HistoryPolicy.days`` > 0), a
session is removed only once its events and summary are durably in ``history/``; one that cannot
be read whole (damaged, or encrypted with a key not configured here) is kept and named, so
retention never deletes what it could not keep. See :mod:`.history` for why a kill at any step
loses nothing and counts nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import attrs

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import ArchiveError, SessionkeeperError

from .catalog import SessionEntry, list_sessions, read_current, remove_ghosts, remove_session
from .documents import parse_session_document, session_initial
from .history import ArchivedSession, HistoryPolicy, expire_history, write_history
from .loader import load_store
from .locks import held_alone
from .status import session_status

__all__ = ["KeptSession", "RetentionResult", "apply_retention", "plan_retention", "prune_sessions"]


@attrs.frozen
class KeptSession:
    """A session retention would have removed, kept because it could not be archived."""

    session_id: str
    reason: str


@attrs.frozen
class RetentionResult:
    """What one pass of retention did."""

    removed: tuple[str, ...] = ()  # sessions removed from sessions/, oldest first
    archived: tuple[str, ...] = ()  # of those, the ones whose events are in the archive now
    kept: tuple[KeptSession, ...] = ()  # beyond max_sessions, but not removed (see ``reason``)
    expired: tuple[str, ...] = ()  # archived sessions the archive's own retention removed


def plan_retention(data_dir: Path, max_sessions: int, protect: set[str]) -> list[SessionEntry]:
    """The sessions retention would remove now, oldest first (nothing is changed: a dry run)."""
    entries = [entry for entry in list_sessions(data_dir) if not entry.legacy]
    excess = len(entries) - max_sessions
    current = read_current(data_dir)
    planned: list[SessionEntry] = []
    for entry in entries:
        if len(planned) >= excess:
            break
        if entry.session_id in protect or entry.session_id == current or entry.live:
            continue
        planned.append(entry)
    return planned


def _archive(data_dir: Path, entry: SessionEntry, codec: Codec, now: datetime) -> None:
    """Write ``entry``'s events and summary into the archive; raise if it cannot be read whole."""
    loaded = load_store(entry.paths, parse_session_document, session_initial, codec=codec)
    if loaded.report.dropped:
        raise ArchiveError(f"damaged ({loaded.report.dropped[0]}); 'session recover' it first")
    doc = loaded.document
    status = session_status(entry.paths, live=False, legacy=False)
    started = doc.started_at if doc else entry.started_hint.astimezone(UTC)
    ended = status.last_update or (doc.last_checkpoint if doc else None) or started
    summary = ArchivedSession(
        session_id=entry.session_id,
        started_at=started,
        ended_at=max(ended, started),
        ending=status.state if status.state != "running" else "unknown",
        host=status.host,
        keys={
            "session": len(loaded.values),
            "user": len(doc.user) if doc else 0,
            "app": len(doc.app) if doc else 0,
        },
        events=len(loaded.events),
        archived_at=now,
        resumed_from=doc.resumed_from if doc else None,
    )
    write_history(data_dir, summary, loaded.events, codec)


def apply_retention(
    data_dir: Path,
    max_sessions: int,
    protect: set[str],
    *,
    codec: Codec,
    history: HistoryPolicy,
    now: datetime | None = None,
) -> RetentionResult:
    """Remove the oldest sessions beyond ``max_sessions``, archiving each first (unless the
    archive is off), then apply the archive's own retention (``history``)."""
    now = now or datetime.now(UTC)
    remove_ghosts(data_dir)
    removed, archived, kept = [], [], []
    for entry in plan_retention(data_dir, max_sessions, protect):
        # Held from the archive to the removal: a process that opens the session meanwhile waits.
        with held_alone(entry.paths.live) as alone:
            if not alone:
                continue  # opened since the listing: in use, so not removed
            if history.enabled:
                try:
                    _archive(data_dir, entry, codec, now)
                except (SessionkeeperError, OSError) as exc:
                    kept.append(KeptSession(entry.session_id, str(exc)))
                    continue
                archived.append(entry.session_id)
            remove_session(entry.paths)
            removed.append(entry.session_id)
    expired = expire_history(data_dir, history, now)
    return RetentionResult(tuple(removed), tuple(archived), tuple(kept), tuple(expired))


def prune_sessions(
    data_dir: Path,
    max_sessions: int,
    protect: set[str],
    *,
    codec: Codec | None = None,
    history: HistoryPolicy | None = None,
) -> list[str]:
    """Remove the oldest sessions beyond ``max_sessions`` (archiving them first, with the codec
    and history settings the environment configures unless given); the ids removed."""
    from sessionkeeper.core.config import resolve_codec, resolve_history_policy

    return list(
        apply_retention(
            data_dir,
            max_sessions,
            protect,
            codec=codec if codec is not None else resolve_codec(),
            history=history if history is not None else resolve_history_policy(),
        ).removed
    )
