"""Where a data directory's remote backup stands, from this machine's side only (no network):
the last push, how long ago it succeeded (the lag), what is waiting to be sent (the backlog,
worked out from the local files against what the remote is known to hold) and the last error.
``session info`` and ``session backup status`` show it.

**The bound.** The backlog is the local stores themselves (nothing is copied aside while the remote
is away), so it costs no disk; but the longer it waits the more a lost machine loses. It is *over
its bound* when more than ``remote-backlog-mb`` (``SESSIONKEEPER_REMOTE_BACKLOG_MB``; default 64
MiB) wait, or when anything waits and the last success is more than ``remote-backlog-seconds``
(``SESSIONKEEPER_REMOTE_BACKLOG_SECONDS``; default one hour) old: ``session backup status`` and
``session info`` say so, and a running manager's replicator logs one warning (again only after a
push worked in between). The bound is carried by :class:`RemoteSettings`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import attrs

from sessionkeeper.core.errors import ConfigurationError

from .local import MemoryBudget, iter_blobs, local_stores, plan_store
from .settings import DEFAULT_BACKLOG_BYTES, DEFAULT_BACKLOG_SECONDS, RemoteSettings, backlog_bounds
from .state import StateFiles

__all__ = ["BACKLOG_BYTES_BOUND", "BACKLOG_LAG_BOUND", "BackupStatus", "backup_status"]

# The bound's defaults (the settings remote-backlog-mb and remote-backlog-seconds replace them).
BACKLOG_BYTES_BOUND = DEFAULT_BACKLOG_BYTES
BACKLOG_LAG_BOUND = DEFAULT_BACKLOG_SECONDS


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
    # Stores a push to this remote skips, and why (one that takes encrypted files only: a store
    # with a plain file). Not backlog: no push will send them until they are re-sealed.
    skipped: tuple[tuple[str, str], ...] = ()


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
    The bound is ``bound_bytes`` and ``bound_lag`` if given, else ``remote``'s, else (no remote
    given) as configured — or the defaults, if the configuration cannot be read (that is for
    ``session backup`` to report)."""
    state = StateFiles(data_dir).load()
    if remote is not None:
        state = state.for_remote(str(remote.url), remote.host)
    elif not state.location:
        return None
    keep_nothing = MemoryBudget(0)  # sizes are all a status needs
    # As a push would plan them (push_remote): a remote named here takes encrypted files only
    # unless it allows plain ones. From the state file alone, what the remote takes is not known.
    require_encryption = remote is not None and not remote.plaintext
    plans = [
        plan_store(store, state, require_encryption=require_encryption, budget=keep_nothing)
        for store in local_stores(data_dir, user_dir)
    ]
    blobs = list(iter_blobs([plan for plan in plans if plan.skipped is None]))
    skipped = tuple((plan.entry.name, plan.skipped) for plan in plans if plan.skipped is not None)
    if remote is not None:
        configured = remote.backlog_bytes, remote.backlog_seconds
    else:
        try:
            configured = backlog_bounds()
        except ConfigurationError:
            configured = BACKLOG_BYTES_BOUND, BACKLOG_LAG_BOUND
    bound_bytes = configured[0] if bound_bytes is None else bound_bytes
    bound_lag = configured[1] if bound_lag is None else bound_lag
    backlog_bytes = sum(blob.size for blob in blobs)
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
        skipped=skipped,
    )
