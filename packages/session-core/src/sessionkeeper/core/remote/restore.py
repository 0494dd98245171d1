"""Restoring a session from a remote: its files fetched, checked, and written back as they were.

The index of a push (the latest, or the last one made at or before a given time: point in time at
push granularity) says which objects make each file of the session; every object must hash to its
name, and the index to the hash its manifest names, before anything is written. Files are then
written where a session's files live (``<dir>/sessions/<id>.json``, ``.json.bak``,
``.d/<epoch>.journal``; 0700 folders, 0600 files, each written atomically) — only under names built
here from the validated session id and epoch, whatever the index says — and the session is loaded
once with the ordinary loader to say what came back. A session that exists already at the
destination is never overwritten.
"""

from __future__ import annotations

import errno
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import RemoteIntegrityError, SessionNotFoundError, StorageError, storage_errors
from sessionkeeper.core.model.ids import validate_session_id
from sessionkeeper.core.storage import catalog
from sessionkeeper.core.storage.fs import filesystem
from sessionkeeper.core.storage.layout import StorePaths, journal_epoch
from sessionkeeper.core.storage.targets import BackupTarget

from .documents import FileRef, HistoryEntry, Index, Manifest
from .reading import fetch_files, fetch_index, list_manifests, read_manifest

if TYPE_CHECKING:
    from sessionkeeper.core.tools.reading import SessionView

__all__ = [
    "HostSessions",
    "RestoreResult",
    "choose_push",
    "find_pushed_session",
    "pushed_sessions",
    "remote_sessions",
    "restore_session",
]


@attrs.frozen
class RestoreResult:
    """What a restore wrote, and what the session holds."""

    session_id: str
    host: str
    seq: int  # the push it came from
    pushed_at: str
    data_dir: Path
    files: tuple[Path, ...]
    bytes: int
    keys: int
    events: int
    warnings: tuple[str, ...]
    dry_run: bool = False


def _when(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def choose_push(manifest: Manifest, at: datetime | None) -> HistoryEntry | None:
    """The latest push, or the last one made at or before ``at`` (None: there is none)."""
    if at is None:
        return manifest.latest
    chosen = None
    for entry in manifest.history:
        when = _when(entry.at)
        if when is not None and when <= at:
            chosen = entry
    return chosen


def pushed_sessions(target: BackupTarget, codec: Codec, host: str) -> tuple[int, list[str]] | None:
    """The seq of ``host``'s latest push and the ids of the sessions in it (None: ``host`` never
    pushed here). Reads and checks its manifest (so proves the key) and its latest index."""
    found = read_manifest(target, codec, host)
    if found is None:
        return None
    index = fetch_index(target, codec, host, found.manifest.latest)
    return found.manifest.seq, [store.name for store in index.stores if store.kind == "session"]


@attrs.frozen
class HostSessions:
    """One host's latest push on a remote: its seq, time, and the sessions in it."""

    host: str
    seq: int
    at: str
    sessions: tuple[str, ...]


def remote_sessions(target: BackupTarget, codec: Codec) -> list[HostSessions]:
    """Every host's sessions as its latest push lists them (``session list --remote``), by host.
    Reads and checks every manifest (proving the key) and each latest index."""
    found = []
    for host in list_manifests(target):
        manifest = read_manifest(target, codec, host)
        if manifest is None:
            continue
        latest = manifest.manifest.latest
        index = fetch_index(target, codec, host, latest)
        ids = tuple(sorted(store.name for store in index.stores if store.kind == "session"))
        found.append(HostSessions(host, latest.seq, latest.at, ids))
    return found


def find_pushed_session(pushed: list[HostSessions], session_id: str, prefer: str) -> str | None:
    """The host whose latest push (as :func:`remote_sessions` lists them) holds ``session_id``:
    ``prefer`` (this machine) if its does, else the host that pushed it last; None if none does."""
    holders = [entry for entry in pushed if session_id in entry.sessions]
    for entry in holders:
        if entry.host == prefer:
            return entry.host
    return max(holders, key=lambda entry: entry.at).host if holders else None


def _destination(paths: StorePaths, ref: FileRef, session_id: str) -> Path:
    """The file ``ref`` names, rebuilt from the session id: the index cannot name any other place."""
    prefix = f"sessions/{session_id}"
    if ref.path == f"{prefix}.json":
        return paths.snapshot
    if ref.path == f"{prefix}.json.bak":
        return paths.backup
    head, _, name = ref.path.rpartition("/")
    epoch = journal_epoch(name)
    if head == f"{prefix}.d" and epoch is not None:
        return paths.journal(epoch)
    raise RemoteIntegrityError(f"the index names {ref.path[:120]!r} as a file of {session_id}")


def restore_session(
    target: BackupTarget,
    codec: Codec,
    host: str,
    session_id: str,
    data_dir: Path,
    *,
    at: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    dry_run: bool = False,
) -> RestoreResult:
    """Restore ``session_id`` as pushed by ``host`` (at ``at``, else its latest push) into
    ``data_dir`` (``progress`` hears of the bytes fetched; with ``dry_run``, everything is
    fetched, checked and loaded, but in a scratch folder: ``data_dir`` is not touched). Raises
    SessionNotFoundError (no such host, push or session), StorageError (EEXIST: the session is
    already there), RemoteKeyError, RemoteIntegrityError."""
    validate_session_id(session_id)
    where = f"the backups of {host} in {target.location}"
    found = read_manifest(target, codec, host)
    if found is None:
        raise SessionNotFoundError(session_id, where)
    entry = choose_push(found.manifest, at)
    if entry is None:
        raise SessionNotFoundError(session_id, f"{where} made at or before {at}")
    index: Index = fetch_index(target, codec, host, entry)
    store = index.store("session", session_id)
    if store is None:
        raise SessionNotFoundError(session_id, f"{where} (push {entry.seq} of {entry.at})")
    paths = catalog.session_paths(data_dir, session_id)
    if paths.exists():
        raise StorageError(
            errno.EEXIST,
            f"{session_id} already exists in {data_dir}: nothing was restored (restore it --to another "
            "directory, or remove it first)",
        )
    # Every object fetched and checked before the first file is written.
    contents = fetch_files(target, store.files, progress)
    if dry_run:  # the same files written and read in a scratch folder: what the restore would give
        with tempfile.TemporaryDirectory(prefix="sessionkeeper-restore-") as scratch:
            view = _write_and_read(Path(scratch), session_id, store.files, contents, codec)
    else:
        view = _write_and_read(data_dir, session_id, store.files, contents, codec)
    return RestoreResult(
        session_id,
        host,
        entry.seq,
        entry.at,
        data_dir,
        tuple(_destination(paths, ref, session_id) for ref in store.files),
        sum(len(data) for data in contents),
        len(view.values),
        len(view.event_data),
        tuple(view.report.warnings),
        dry_run,
    )


def _write_and_read(
    data_dir: Path, session_id: str, refs: tuple[FileRef, ...], contents: list[bytes], codec: Codec
) -> SessionView:
    """Write a session's files (each atomically, under names rebuilt from its id) into
    ``data_dir`` and read it back with the ordinary loader."""
    from sessionkeeper.core.tools.reading import read_session

    paths = catalog.session_paths(data_dir, session_id)
    planned = [_destination(paths, ref, session_id) for ref in refs]
    fs = filesystem()
    with storage_errors(f"cannot restore {session_id} into {data_dir}"):
        fs.make_private_dir(paths.directory)
        if any(path.parent == paths.aux for path in planned):
            fs.make_private_dir(paths.aux)
        for path, data in zip(planned, contents, strict=True):
            fs.write_atomic(path, data)
    return read_session(data_dir, session_id, codec)
