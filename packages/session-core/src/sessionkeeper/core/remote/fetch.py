"""Fetching a host's latest push into a local directory, to read it as a data directory
(``session-analyze --remote``): its sessions' files and its history archive, each file rebuilt from
its objects, every object checked against its name.

The chain of trust is the restore's (:mod:`.restore`): the manifest opens with the codec (so the key
is proven first: a wrong key is one :class:`RemoteKeyError`), the latest index must hash to what the
manifest names, every object to its own name (:func:`~.reading.fetch_object`). File names are built
here, never taken from the index: a session's files from its validated id and journal epochs
(``sessions/<id>.json``, ``.json.bak``, ``.d/<epoch>.journal``), an archive file only under
``history/`` with a name core's history-name parser accepts. APP and USER stores are not fetched
(nothing reads them from a materialised push).

:class:`ObjectCache` keeps fetched objects on local disk by their SHA-256 (``$XDG_CACHE_HOME/
sessionkeeper/objects``: folders 0700, files 0600), so fetching the same push again downloads
nothing but its manifest and index. Objects are immutable and named by their content, so one cache
serves every remote; an entry is hashed again when read, and one that does not match its name
(damaged, truncated, planted) is thrown away and fetched again. Only bytes that checked out are
ever written to it. Objects are the sealed bytes as on the remote: with encryption on, the cache
holds ciphertext only.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

import attrs

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import RemoteIntegrityError, SessionkeeperError, storage_errors
from sessionkeeper.core.model.ids import validate_session_id
from sessionkeeper.core.storage import catalog
from sessionkeeper.core.storage.fs import filesystem
from sessionkeeper.core.storage.history import history_dir, parse_history_name
from sessionkeeper.core.storage.layout import StorePaths
from sessionkeeper.core.storage.targets import BackupTarget

from .documents import FileRef, StoreEntry
from .keys import is_digest
from .reading import fetch_index, fetch_object, read_manifest
from .restore import store_destination

__all__ = [
    "CACHE_DAYS",
    "FetchCounts",
    "FetchedPush",
    "ObjectCache",
    "default_cache_dir",
    "materialise_push",
]

CACHE_DAYS = 30  # an entry no fetch has used for this long goes (ObjectCache.expire)
_CACHE_FOLDER = ("sessionkeeper", "objects")
_NAME_PRECISION = timedelta(seconds=1)  # an archive name's times are cut to the second


@attrs.define
class FetchCounts:
    """What fetching cost: objects (and bytes) downloaded, and found in the cache instead."""

    fetched: int = 0
    fetched_bytes: int = 0
    cached: int = 0
    cached_bytes: int = 0


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where :class:`ObjectCache` keeps objects: ``$XDG_CACHE_HOME/sessionkeeper/objects``
    (``~/.cache/sessionkeeper/objects`` when it is not set, or not an absolute path)."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root.joinpath(*_CACHE_FOLDER)


class ObjectCache:
    """Objects by SHA-256 on local disk (see the module docstring); ``directory`` None: no cache
    (every object is downloaded). ``counts`` adds up what :meth:`get` downloaded and found."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.counts = FetchCounts()

    def _path(self, digest: str) -> Path:
        assert self.directory is not None
        assert is_digest(digest)  # open_index let only SHA-256 digests through
        return self.directory / digest[:2] / digest

    def _cached(self, digest: str, size: int) -> bytes | None:
        path = self._path(digest)
        try:
            data = filesystem().read_bytes(path, size)
        except (OSError, SessionkeeperError):  # missing, larger than recorded, not a regular file
            return None
        if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
            with contextlib.suppress(OSError):
                path.unlink()  # damaged or planted: fetched again
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: kept by expire()
        return data

    def _store(self, digest: str, data: bytes) -> None:
        """Keep ``data`` (already checked against ``digest``); a cache that cannot be written is
        no error — the object was fetched, the next run fetches it again."""
        path = self._path(digest)
        try:
            filesystem().make_private_dir(path.parent)
            handle, temp = tempfile.mkstemp(prefix=f".{digest[:16]}.", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(handle, "wb") as file:  # mkstemp: mode 0600
                    file.write(data)
                os.replace(temp, path)  # whole or absent: a torn entry would fail its hash anyway
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
        except (OSError, SessionkeeperError):
            return

    def get(self, target: BackupTarget, digest: str, size: int) -> bytes:
        """Object ``digest`` (``size`` bytes): from the cache if there and sound, else fetched from
        ``target`` and checked (:func:`fetch_object`: RemoteIntegrityError if it does not match)."""
        if self.directory is not None:
            data = self._cached(digest, size)
            if data is not None:
                self.counts.cached += 1
                self.counts.cached_bytes += size
                return data
        data = fetch_object(target, digest, size)
        self.counts.fetched += 1
        self.counts.fetched_bytes += size
        if self.directory is not None:
            self._store(digest, data)
        return data

    def expire(self, days: float = CACHE_DAYS) -> int:
        """Remove entries no :meth:`get` has used for ``days`` days (and temp files a killed run
        left); returns how many. Anything that is not an entry's name is left alone."""
        if self.directory is None or not self.directory.is_dir():
            return 0
        cutoff = time.time() - days * 86400
        removed = 0
        with contextlib.suppress(OSError):  # a cache that cannot be tidied is no error either
            for folder in self.directory.iterdir():
                if len(folder.name) != 2 or folder.is_symlink() or not folder.is_dir():
                    continue
                for entry in folder.iterdir():
                    name = entry.name
                    ours = is_digest(name) or (name.startswith(".") and name.endswith(".tmp"))
                    with contextlib.suppress(OSError):
                        if ours and entry.lstat().st_mtime < cutoff:
                            entry.unlink()
                            removed += 1
        return removed


@attrs.frozen
class FetchedPush:
    """A host's latest push, as written into ``directory``: the ids of its live sessions and of its
    archived ones (by the archive's file names), and how many files and bytes were written."""

    host: str
    seq: int
    pushed_at: str
    directory: Path
    sessions: tuple[str, ...]
    archived: tuple[str, ...]
    files: int
    bytes: int


def _session_file(paths: StorePaths, ref: FileRef, session_id: str) -> Path:
    """Where a session's file goes, rebuilt from its id (restore's rule): the index cannot name
    another place."""
    path = store_destination(paths, ref, f"sessions/{session_id}")
    if path is None:
        raise RemoteIntegrityError(f"the index names {ref.path[:120]!r} as a file of {session_id}")
    return path


def _planned(
    directory: Path, store: StoreEntry, where: str, span: tuple[datetime, datetime] | None
) -> list[tuple[Path, FileRef]]:
    """The files of one store and where each goes under ``directory`` (APP, USER: none; an archive
    file whose span lies wholly outside ``span``: none)."""
    if store.kind == "session":
        try:
            session_id = validate_session_id(store.name)
        except ValueError:
            raise RemoteIntegrityError(f"{where} names {store.name[:80]!r} as a session") from None
        paths = catalog.session_paths(directory, session_id)
        return [(_session_file(paths, ref, session_id), ref) for ref in store.files]
    if store.kind == "history":
        # open_index already held the name to the parser and the path to history/<name>; the
        # destination is built from the name again all the same: only ever history/<name>.
        parsed = parse_history_name(store.name)
        if parsed is None or any(ref.path != f"history/{store.name}" for ref in store.files):
            raise RemoteIntegrityError(f"{where} names {store.name[:80]!r} as a history archive file")
        _, first, last = parsed
        if span is not None and (last + _NAME_PRECISION < span[0] or first > span[1]):
            return []
        return [(history_dir(directory) / store.name, ref) for ref in store.files]
    return []


def _write(path: Path, ref: FileRef, target: BackupTarget, cache: ObjectCache) -> int:
    """Create ``path`` (0600, never over anything) from ``ref``'s objects, one at a time: at most one
    object in memory, whatever the file's size."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    with os.fdopen(os.open(path, flags, 0o600), "wb") as file:
        for part in ref.parts:
            file.write(cache.get(target, part.digest, part.size))
    return ref.size


def materialise_push(
    target: BackupTarget,
    codec: Codec,
    host: str,
    directory: Path,
    *,
    cache: ObjectCache | None = None,
    archive_span: tuple[datetime, datetime] | None = None,
) -> FetchedPush | None:
    """Write the sessions and the history archive of ``host``'s latest push on ``target`` into
    ``directory`` (created 0700; it must not exist yet), laid out as a data directory is
    (``sessions/``, ``history/``), for reading with core's readers. None: ``host`` has no manifest.
    With ``archive_span`` (aware times), only the archive files whose span, in their names, touches
    it are fetched (the sessions always are).

    Raises :class:`RemoteKeyError` (the key cannot open the manifest or the index),
    :class:`RemoteIntegrityError` (an index or object that does not check out, a name that is not a
    session's or an archive file's), the target's errors (missing bucket, unreachable server, ...)
    and :class:`StorageError` (``directory`` cannot be written). On any error ``directory`` is
    removed again: nothing half-fetched is left to be read."""
    cache = cache if cache is not None else ObjectCache(None)
    found = read_manifest(target, codec, host)  # opening it proves the key
    if found is None:
        return None
    latest = found.manifest.latest
    index = fetch_index(target, codec, host, latest)
    where = f"push {latest.seq} of {host} in {target.location}"
    planned = [item for store in index.stores for item in _planned(directory, store, where, archive_span)]
    if len({path for path, _ in planned}) != len(planned):
        raise RemoteIntegrityError(f"{where} names one file twice")
    with storage_errors(f"cannot create {directory}"):
        directory.mkdir(mode=0o700)  # exists already: FileExistsError, never written into
    written = 0
    try:
        with storage_errors(f"cannot write the push of {host} into {directory}"):
            for path, ref in planned:
                written += _write(path, ref, target, cache)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return FetchedPush(
        host=host,
        seq=latest.seq,
        pushed_at=latest.at,
        directory=directory,
        sessions=tuple(sorted(s.name for s in index.stores if s.kind == "session")),
        archived=tuple(
            sorted(
                parsed[0]
                for s in index.stores
                if s.kind == "history" and s.files and (parsed := parse_history_name(s.name))
            )
        ),
        files=len(planned),
        bytes=written,
    )
