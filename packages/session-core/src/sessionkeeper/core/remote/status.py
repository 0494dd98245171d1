"""Where a data directory's remote backup stands, from this machine's side only (no network):
the last push, how long ago it succeeded (the lag), what is waiting to be sent (the backlog,
worked out from the local files against what the remote is known to hold) and the last error.
``session info`` and ``session backup status`` show it.

**The bound.** The backlog is the local stores themselves (nothing is copied aside while the remote
is away), so it costs no disk; but the longer it waits the more a lost machine loses. It is *over
its bound* when more than :data:`BACKLOG_BYTES_BOUND` (64 MiB) wait, or when anything waits and the
last success is more than :data:`BACKLOG_LAG_BOUND` (one hour) old: ``session backup status`` and
``session info`` say so, and a running manager's replicator logs one warning (again only after a
push worked in between).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import attrs

from .local import iter_blobs, local_stores, plan_store
from .settings import RemoteSettings
from .state import StateFiles

__all__ = ["BACKLOG_BYTES_BOUND", "BACKLOG_LAG_BOUND", "BackupStatus", "backup_status"]

BACKLOG_BYTES_BOUND = 64 << 20  # bytes waiting to be pushed, at most, before a warning
BACKLOG_LAG_BOUND = 3600.0  # seconds since the last success, with something waiting, before a warning


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
    over_bound: bool = False  # the backlog passed a bound (see the module docstring)
    bound_bytes: int = BACKLOG_BYTES_BOUND
    bound_lag_seconds: float = BACKLOG_LAG_BOUND


def _since(moment: str | None) -> float | None:
    if moment is None:
        return None
    try:
        return max(0.0, (datetime.now(UTC) - datetime.fromisoformat(moment)).total_seconds())
    except ValueError:
        return None


def backup_status(
    data_dir: Path,
    user_dir: Path | None,
    remote: RemoteSettings | None = None,
    *,
    bound_bytes: int | None = None,
    bound_lag: float | None = None,
) -> BackupStatus | None:
    """The status for ``remote`` (None: the remote this data directory last pushed to; None is
    returned if it never pushed and no remote is given). Reads local files, never the remote.
    ``bound_bytes`` and ``bound_lag`` replace :data:`BACKLOG_BYTES_BOUND` and :data:`BACKLOG_LAG_BOUND`."""
    state = StateFiles(data_dir).load()
    if remote is not None:
        state = state.for_remote(str(remote.url), remote.host)
    elif not state.location:
        return None
    plans = [plan_store(store, state, require_encryption=False) for store in local_stores(data_dir, user_dir)]
    blobs = list(iter_blobs(plans))
    bound_bytes = BACKLOG_BYTES_BOUND if bound_bytes is None else bound_bytes
    bound_lag = BACKLOG_LAG_BOUND if bound_lag is None else bound_lag
    backlog_bytes = sum(len(blob.data) for blob in blobs)
    lag = _since(state.last_success)
    over = backlog_bytes > bound_bytes or (bool(blobs) and lag is not None and lag > bound_lag)
    return BackupStatus(
        location=state.location,
        host=state.host,
        seq=state.seq,
        last_success=state.last_success,
        lag_seconds=lag,
        last_error=state.last_error,
        failures=state.failures,
        backlog_objects=len(blobs),
        backlog_bytes=backlog_bytes,
        pushed_objects=state.pushed_objects,
        pushed_bytes=state.pushed_bytes,
        over_bound=over,
        bound_bytes=bound_bytes,
        bound_lag_seconds=bound_lag,
    )
