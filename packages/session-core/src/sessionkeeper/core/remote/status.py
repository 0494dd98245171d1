"""Where a data directory's remote backup stands, from this machine's side only (no network):
the last push, how long ago it succeeded (the lag), what is waiting to be sent (the backlog,
worked out from the local files against what the remote is known to hold) and the last error.
``session info`` and ``session backup status`` show it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import attrs

from .local import iter_blobs, local_stores, plan_store
from .settings import RemoteSettings
from .state import StateFiles

__all__ = ["BackupStatus", "backup_status"]


@attrs.frozen
class BackupStatus:
    """The backup of one data directory as this machine last knew it (times are UTC ISO strings)."""

    location: str
    host: str
    seq: int  # the manifest seq last written or read (0: never pushed)
    last_success: str | None
    lag_seconds: float | None  # since the last success (None: never)
    last_error: str | None  # the last failed push, if none succeeded since
    failures: int  # failed pushes in a row
    backlog_objects: int
    backlog_bytes: int
    pushed_objects: int
    pushed_bytes: int


def _since(moment: str | None) -> float | None:
    if moment is None:
        return None
    try:
        return max(0.0, (datetime.now(UTC) - datetime.fromisoformat(moment)).total_seconds())
    except ValueError:
        return None


def backup_status(
    data_dir: Path, user_dir: Path | None, remote: RemoteSettings | None = None
) -> BackupStatus | None:
    """The status for ``remote`` (None: the remote this data directory last pushed to; None is
    returned if it never pushed and no remote is given). Reads local files, never the remote."""
    state = StateFiles(data_dir).load()
    if remote is not None:
        state = state.for_remote(str(remote.url), remote.host)
    elif not state.location:
        return None
    plans = [plan_store(store, state, require_encryption=False) for store in local_stores(data_dir, user_dir)]
    blobs = list(iter_blobs(plans))
    return BackupStatus(
        location=state.location,
        host=state.host,
        seq=state.seq,
        last_success=state.last_success,
        lag_seconds=_since(state.last_success),
        last_error=state.last_error,
        failures=state.failures,
        backlog_objects=len(blobs),
        backlog_bytes=sum(len(blob.data) for blob in blobs),
        pushed_objects=state.pushed_objects,
        pushed_bytes=state.pushed_bytes,
    )
