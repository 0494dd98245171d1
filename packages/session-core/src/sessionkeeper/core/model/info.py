"""Read-only descriptions of a manager's session, for ``info()`` and the CLI."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["LoadSummary", "SessionInfo"]


@attrs.frozen
class LoadSummary:
    """What ``resume``/``recover`` read, and what it had to leave out."""

    session_id: str
    source: str  # "snapshot", "backup", "journal", "legacy" or "new"
    journal_records: int
    warnings: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    continued_from: str | None = None  # a legacy session continued under a new id


@attrs.frozen
class SessionInfo:
    """The state of a manager and its session, as ``info()`` reports it."""

    session_id: str | None
    running: bool
    started_at: datetime | None
    last_checkpoint: datetime | None
    resumed_from: str | None
    data_dir: str
    user_dir: str
    keys: dict[str, int]
    events: int
    journal_bytes: int
    snapshot_bytes: int
    checkpoint_interval: float
    max_sessions: int
    fsync: str
    last_save_error: str | None
    load: LoadSummary | None
