"""Remote retention: this host's old pushes dropped from its manifest (by count and age), then the
objects and indexes no manifest of any host needs removed (mark and sweep).

1. **Prove the key and trim**: this host's manifest is read (proving the key); its history keeps the
   last ``keep_last`` pushes and, if ``keep_within`` is given, only those younger than it — never
   fewer than the latest. The manifest is replaced *if unchanged* (its ETag; a push that got there
   first: read again, trim again). Another host's manifest is never written: each host prunes its
   own history.
2. **Mark**: every manifest of every host is read, and every index it lists; what they name is
   kept. Sessions a host no longer has (dropped by its local retention) are named only by its older
   indexes, so trimming the history is what lets their objects go.
3. **Sweep, with a grace period**: an object or index nothing names is a *candidate*. It is removed
   only if an earlier prune of this data directory already found it unreferenced at least ``grace``
   seconds ago (``remote.d/prune.json``) and a fresh mark still finds nothing naming it. A push
   running meanwhile (of any host) writes data, then its index, then its manifest, within seconds:
   what it has written but not yet named is younger than the grace period, so it is never a
   candidate old enough. A push killed with objects sent asks the remote about them (HEAD) when it
   resumes instead of trusting its notes, so it never names an object a prune removed.

What is left: an object that had been unreferenced for ``grace`` seconds and that another host's
push finds already there (create-only refuses, so it names it without sending it) in the very
moment between this prune's last mark and its delete would be named but gone; ``session backup
verify`` names it, and that host's next push of a changed file replaces it. The default grace (one
hour) makes candidates of old objects only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import orjson

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import (
    StorageError,
    TargetConflictError,
    TargetPreconditionError,
    storage_errors,
)
from sessionkeeper.core.storage.fs import filesystem
from sessionkeeper.core.storage.targets import BackupTarget

from .documents import HistoryEntry, Manifest, seal_manifest
from .keys import HOSTS, OBJECTS, manifest_key, object_digest, object_key
from .reading import fetch_index, list_manifests, prove_key, read_manifest
from .state import StateFiles, utc_now

__all__ = ["DEFAULT_GRACE", "DEFAULT_KEEP_LAST", "PruneResult", "prune_remote"]

DEFAULT_KEEP_LAST = 100  # pushes of this host kept, at most (plus the age limit, if given)
DEFAULT_GRACE = 3600.0  # seconds an unreferenced object stays a candidate before it may go
_ATTEMPTS = 8
_LIMIT = 64 << 20


@attrs.frozen
class PruneResult:
    """What a prune did (or, with ``dry_run``, would do)."""

    location: str
    host: str
    dry_run: bool
    pushes_kept: int
    pushes_dropped: int
    objects_removed: int  # objects and indexes removed (would be removed)
    bytes_removed: int
    candidates: int  # unreferenced but within the grace period: noted, kept for now
    removed: tuple[str, ...]


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _kept(history: tuple[HistoryEntry, ...], keep_last: int, keep_within: float | None) -> int:
    """How many of the newest entries stay (at least one)."""
    keep = min(len(history), max(1, keep_last))
    if keep_within is not None:
        oldest = datetime.now(UTC) - timedelta(seconds=keep_within)
        young = 0
        for entry in reversed(history):
            at = _parse_time(entry.at)
            if at is None or at < oldest:
                break
            young += 1
        keep = min(keep, max(1, young))
    return keep


def _trim(
    target: BackupTarget, codec: Codec, host: str, keep_last: int, keep_within: float | None, dry_run: bool
) -> tuple[int, int]:
    """Step 1: (pushes kept, pushes dropped) of this host's manifest."""
    for _ in range(_ATTEMPTS):
        found = read_manifest(target, codec, host)
        if found is None:
            prove_key(target, codec, host)
            return 0, 0
        history = found.manifest.history
        keep = _kept(history, keep_last, keep_within)
        dropped = len(history) - keep
        if dropped == 0 or dry_run:
            return keep, dropped
        manifest = Manifest(host, found.manifest.seq, utc_now(), history[-keep:])
        try:
            target.put(manifest_key(host), seal_manifest(manifest, codec), if_match=found.version)
        except (TargetConflictError, TargetPreconditionError):
            continue  # a push of this host replaced it first: read it again
        return keep, dropped
    raise StorageError(0, f"the manifest of {host} in {target.location} kept changing while prune trimmed it")


def _mark(
    target: BackupTarget, codec: Codec, host: str, keep_last: int, keep_within: float | None, dry_run: bool
) -> set[str]:
    """Step 2: every key a manifest or an index a manifest lists names (manifests included). With
    ``dry_run``, this host's history as it would be trimmed."""
    named: set[str] = set()
    for name in list_manifests(target):
        found = read_manifest(target, codec, name)
        if found is None:
            continue
        history = found.manifest.history
        if dry_run and name == host:
            history = history[-_kept(history, keep_last, keep_within) :]
        named.add(manifest_key(name))
        for entry in history:
            named.add(entry.index)
            named.update(object_key(digest) for digest in fetch_index(target, codec, name, entry).parts())
    return named


def _unreferenced(target: BackupTarget, named: set[str]) -> dict[str, int]:
    """Objects and indexes nothing names, with their sizes (anything else under the prefix —
    manifests, what another tool wrote — is left alone)."""
    found: dict[str, int] = {}
    for info in target.list(OBJECTS):
        if object_digest(info.key) is not None and info.key not in named:
            found[info.key] = info.size
    for info in target.list(HOSTS):
        parts = info.key.split("/")
        if len(parts) == 4 and parts[2] == "index" and info.key not in named:
            found[info.key] = info.size
    return found


class _Candidates:
    """``remote.d/prune.json``: per remote, when each unreferenced key was first found so."""

    def __init__(self, data_dir: Path, location: str) -> None:
        self.path = StateFiles(data_dir).directory / "prune.json"
        self.location = location
        self.document: dict[str, Any] = {}
        try:
            raw = orjson.loads(filesystem().read_bytes(self.path, _LIMIT))
            if isinstance(raw, dict):
                self.document = raw
        except (OSError, orjson.JSONDecodeError):
            pass
        seen = self.document.get(location)
        self.seen: dict[str, str] = (
            {str(k): str(v) for k, v in seen.items()} if isinstance(seen, dict) else {}
        )

    def save(self, seen: dict[str, str]) -> None:
        fs = filesystem()
        self.document[self.location] = seen
        with storage_errors(f"cannot write {self.path}"):
            fs.make_private_dir(self.path.parent)
            fs.write_atomic(self.path, orjson.dumps(self.document))


def prune_remote(
    target: BackupTarget,
    codec: Codec,
    host: str,
    data_dir: Path,
    *,
    keep_last: int = DEFAULT_KEEP_LAST,
    keep_within: float | None = None,
    grace: float = DEFAULT_GRACE,
    dry_run: bool = False,
) -> PruneResult:
    """Prune ``target`` as ``host`` (see the module docstring); ``data_dir`` keeps the candidates.
    Raises RemoteKeyError (nothing changed) and RemoteIntegrityError (a manifest or index that does
    not check out: nothing is swept, since what it names cannot be known)."""
    if keep_last < 1:
        raise ValueError("keep_last must be at least 1")
    kept, dropped = _trim(target, codec, host, keep_last, keep_within, dry_run)
    candidates = _Candidates(data_dir, target.location)
    now = datetime.now(UTC)
    unreferenced = _unreferenced(target, _mark(target, codec, host, keep_last, keep_within, dry_run))
    seen = {key: candidates.seen.get(key, now.isoformat()) for key in unreferenced}
    due = []
    for key in unreferenced:
        first = _parse_time(seen[key])
        if first is not None and (now - first).total_seconds() >= grace:
            due.append(key)
    if due and not dry_run:
        still = _mark(target, codec, host, keep_last, keep_within, dry_run)  # a push may have named one
        due = [key for key in due if key not in still]
        for key in due:  # nothing names any of them: a sweep cut short leaves a sound remote
            target.delete(key)
            seen.pop(key, None)
        candidates.save(seen)
    elif not dry_run:
        candidates.save(seen)
    removed = tuple(due)
    return PruneResult(
        location=target.location,
        host=host,
        dry_run=dry_run,
        pushes_kept=kept,
        pushes_dropped=dropped,
        objects_removed=len(removed),
        bytes_removed=sum(unreferenced[key] for key in removed),
        candidates=len(unreferenced) - len(removed),
        removed=removed,
    )
