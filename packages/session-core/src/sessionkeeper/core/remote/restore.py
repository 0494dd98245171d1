"""Restoring a session from a remote: its files fetched, checked, and written back as they were.

The index of a push (the latest, or the last one made at or before a given time: point in time at
push granularity) says which objects make each file of the session; every object must hash to its
name, and the index to the hash its manifest names, before anything is written. Files are then
written where a session's files live (``<dir>/sessions/<id>.json``, ``.json.bak``,
``.d/<epoch>.journal``; 0700 folders, 0600 files, each written atomically) — only under names built
here from the validated session id and epoch, whatever the index says — and the session is loaded
once with the ordinary loader to say what came back. A session that exists already at the
destination is never overwritten.

``restore_all`` does the same for every session, the APP store and the history archive of a push
(a machine set up again), leaving alone what the destination has already.
"""

from __future__ import annotations

import errno
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import attrs

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import RemoteIntegrityError, SessionNotFoundError, StorageError, storage_errors
from sessionkeeper.core.model.ids import validate_session_id
from sessionkeeper.core.storage import catalog
from sessionkeeper.core.storage.fs import filesystem
from sessionkeeper.core.storage.history import HistoryFile, history_dir, parse_history_name, read_history
from sessionkeeper.core.storage.layout import StorePaths, journal_epoch
from sessionkeeper.core.storage.targets import BackupTarget

from .documents import FileRef, HistoryEntry, Index, Manifest, StoreEntry
from .reading import fetch_files, fetch_index, list_manifests, read_manifest

__all__ = [
    "HostSessions",
    "RestoreAllResult",
    "RestoreResult",
    "choose_push",
    "find_pushed_session",
    "pushed_sessions",
    "remote_sessions",
    "restore_all",
    "restore_session",
    "store_destination",
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


def store_destination(paths: StorePaths, ref: FileRef, prefix: str) -> Path | None:
    """Where file ``ref`` of a pushed store goes, rebuilt from the store's own name (``prefix``:
    ``sessions/<id>``, ``app`` or ``user``) — its snapshot, backup, a journal or (USER) its sync
    document — so an index cannot name any other place; None for a name no store file has."""
    if ref.path == f"{prefix}.json":
        return paths.snapshot
    if ref.path == f"{prefix}.json.bak":
        return paths.backup
    head, _, name = ref.path.rpartition("/")
    if head != f"{prefix}.d":
        return None
    if name == "sync" and prefix == "user":
        return paths.aux / "sync"
    epoch = journal_epoch(name)
    return paths.journal(epoch) if epoch is not None else None


def _history_destination(data_dir: Path, store: StoreEntry) -> Path:
    """Where an archive file goes: ``history/<name>`` for a name core's parser accepts, only."""
    if parse_history_name(store.name) is None or [ref.path for ref in store.files] != [
        f"history/{store.name}"
    ]:
        raise RemoteIntegrityError(f"the index names {store.name[:80]!r} as a history archive file")
    return history_dir(data_dir) / store.name


def _targets(data_dir: Path, store: StoreEntry) -> list[Path]:
    """Where each file of ``store`` goes under ``data_dir``, built here from the store's name."""
    if store.kind == "history":
        return [_history_destination(data_dir, store)]
    return _destinations(_paths(data_dir, store), store)


def _present(data_dir: Path, store: StoreEntry) -> bool:
    if store.kind == "history":
        return _history_destination(data_dir, store).exists()
    return _paths(data_dir, store).exists()


def _destinations(paths: StorePaths, store: StoreEntry) -> list[Path]:
    prefix = f"sessions/{store.name}" if store.kind == "session" else store.kind
    found = []
    for ref in store.files:
        path = store_destination(paths, ref, prefix)
        if path is None:
            raise RemoteIntegrityError(f"the index names {ref.path[:120]!r} as a file of {store.name}")
        found.append(path)
    return found


def _chosen_index(
    target: BackupTarget, codec: Codec, host: str, at: datetime | None, subject: str
) -> tuple[HistoryEntry, Index]:
    where = f"the backups of {host} in {target.location}"
    found = read_manifest(target, codec, host)
    if found is None:
        raise SessionNotFoundError(subject, where)
    entry = choose_push(found.manifest, at)
    if entry is None:
        raise SessionNotFoundError(subject, f"{where} made at or before {at}")
    return entry, fetch_index(target, codec, host, entry)


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
    entry, index = _chosen_index(target, codec, host, at, session_id)
    store = index.store("session", session_id)
    if store is None:
        where = f"the backups of {host} in {target.location}"
        raise SessionNotFoundError(session_id, f"{where} (push {entry.seq} of {entry.at})")
    if catalog.session_paths(data_dir, session_id).exists():
        raise StorageError(
            errno.EEXIST,
            f"{session_id} already exists in {data_dir}: nothing was restored (restore it --to another "
            "directory, or remove it first)",
        )
    return _restore_store(target, codec, host, entry, store, data_dir, progress, dry_run)


def _restore_store(
    target: BackupTarget,
    codec: Codec,
    host: str,
    entry: HistoryEntry,
    store: StoreEntry,
    data_dir: Path,
    progress: Callable[[int, int], None] | None,
    dry_run: bool,
) -> RestoreResult:
    """Fetch and check every object of ``store`` before its first file is written, then write its
    files into ``data_dir`` (a scratch folder for a dry run) and load it to say what came back."""
    contents = fetch_files(target, store.files, progress)
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="sessionkeeper-restore-") as scratch:
            keys, events, warnings = _write_and_read(Path(scratch), store, contents, codec)
    else:
        keys, events, warnings = _write_and_read(data_dir, store, contents, codec)
    return RestoreResult(
        store.name,
        host,
        entry.seq,
        entry.at,
        data_dir,
        tuple(_targets(data_dir, store)),
        sum(len(data) for data in contents),
        keys,
        events,
        warnings,
        dry_run,
    )


def _paths(data_dir: Path, store: StoreEntry) -> StorePaths:
    return (
        catalog.app_store_paths(data_dir)
        if store.kind == "app"
        else catalog.session_paths(data_dir, store.name)
    )


def _write_and_read(
    data_dir: Path, store: StoreEntry, contents: list[bytes], codec: Codec
) -> tuple[int, int, tuple[str, ...]]:
    """Write a store's files (each atomically, under names rebuilt from its name) into
    ``data_dir`` and read it back with the ordinary loader: its keys, events and warnings."""
    from sessionkeeper.core.tools.reading import read_scope, read_session

    planned = _targets(data_dir, store)
    fs = filesystem()
    with storage_errors(f"cannot restore {store.name} into {data_dir}"):
        for folder in dict.fromkeys(path.parent for path in planned):  # with its parents, 0700
            fs.make_private_dir(folder)
        for path, data in zip(planned, contents, strict=True):
            fs.write_atomic(path, data)
    if store.kind == "history":
        found = parse_history_name(store.name)
        assert found is not None  # _targets checked it
        archived = HistoryFile(found[0], found[1], found[2], planned[0], len(contents[0]))
        return 0, len(read_history(archived, codec)[1]), ()
    paths = _paths(data_dir, store)
    if store.kind == "app":
        scope = read_scope(paths, "app", codec)
        return len(scope.values), 0, tuple(scope.report.warnings)
    view = read_session(data_dir, store.name, codec)
    return len(view.values), len(view.event_data), tuple(view.report.warnings)


@attrs.frozen
class RestoreAllResult:
    """What ``restore_all`` restored, and what it left because the data directory has it."""

    host: str
    seq: int
    pushed_at: str
    data_dir: Path
    restored: tuple[RestoreResult, ...]
    present: tuple[str, ...]  # stores left alone: already in the data directory
    dry_run: bool


def restore_all(
    target: BackupTarget,
    codec: Codec,
    host: str,
    data_dir: Path,
    *,
    at: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    dry_run: bool = False,
) -> RestoreAllResult:
    """Restore every session, the APP store and the history archive of ``host``'s latest push (or
    its last at or before ``at``) into ``data_dir`` — a machine set up again after a loss. A store
    the data directory has already is left alone and named; each store's objects are checked before
    its files are written. The USER store is not restored here: ``pull_user`` merges it (it may
    have changed elsewhere)."""
    entry, index = _chosen_index(target, codec, host, at, f"the pushes of {host}")
    wanted: list[StoreEntry] = []
    present: list[StoreEntry] = []
    for store in index.stores:
        if store.kind in ("session", "app", "history"):
            (present if _present(data_dir, store) else wanted).append(store)
    total = sum(ref.size for store in wanted for ref in store.files)
    done = 0

    def step(fetched: int, _: int) -> None:
        if progress is not None:
            progress(done + fetched, total)

    restored = []
    for store in wanted:
        restored.append(_restore_store(target, codec, host, entry, store, data_dir, step, dry_run))
        done += sum(ref.size for ref in store.files)
    return RestoreAllResult(
        host, entry.seq, entry.at, data_dir, tuple(restored), tuple(s.name for s in present), dry_run
    )
