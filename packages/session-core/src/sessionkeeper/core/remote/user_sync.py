"""This machine's side of USER across machines: its sync document (``<user dir>/user.d/sync``, see
:mod:`.user_clock`), kept up to date with the USER store.

:func:`observe_local` stamps what changed in the USER store since it was last looked at; a push
calls it before reading the store, so the document it pushes matches the values it pushes, and a
pull calls it before merging. The store is read without a lock (as ``session get`` reads it); the
document is replaced atomically under ``user.d/sync.lock``, so two data directories pushing for one
user at once never interleave their updates.

A USER store that did not load cleanly (damage dropped part of it), or whose damaged snapshot a
checkpoint has set aside (``user.json.corrupt``, there until someone removes it), is observed for
what it holds, but no key missing from it is taken as deleted: damage on one machine must never
become a delete on every machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import SessionkeeperError, storage_errors
from sessionkeeper.core.log import log
from sessionkeeper.core.storage.catalog import user_store_paths
from sessionkeeper.core.storage.fs import filesystem
from sessionkeeper.core.storage.layout import StorePaths
from sessionkeeper.core.storage.locks import FileLock

from .user_clock import MAX_SYNC_BYTES, ZERO, SyncDocument, observe, open_sync, seal_sync

__all__ = ["LocalUser", "observe_local", "read_local_sync", "sync_path", "write_local_sync"]

_LOCK_TIMEOUT = 30.0


def sync_path(paths: StorePaths) -> Path:
    """Where a USER store's sync document lives."""
    return paths.aux / "sync"


@attrs.frozen
class LocalUser:
    """The USER store as observed: its values (stored trees), its sync document, and how it loaded."""

    values: dict[str, object]
    document: SyncDocument
    clean: bool  # loaded without dropping anything
    warnings: tuple[str, ...]


def read_local_sync(paths: StorePaths, codec: Codec, host: str) -> tuple[SyncDocument, str | None]:
    """The sync document of this machine (an empty one if there is none), and why an unreadable
    one was set aside (its stamps are then made again from the store: nothing is lost but the
    order of old changes)."""
    empty = SyncDocument(host, ZERO)
    try:
        blob = filesystem().read_bytes(sync_path(paths), MAX_SYNC_BYTES + 4096)
    except FileNotFoundError:
        return empty, None
    except OSError as exc:
        return empty, f"{sync_path(paths)} is unreadable ({exc.strerror or exc})"
    try:
        found = open_sync(blob, codec, None, str(sync_path(paths)))
    except SessionkeeperError as exc:  # damaged, or sealed with a key not configured here
        return empty, f"{sync_path(paths)} was set aside: {exc}"
    # The machine's remote-host name changed: its stamps so far keep the old name, new ones the new.
    return (found if found.host == host else attrs.evolve(found, host=host)), None


def write_local_sync(paths: StorePaths, document: SyncDocument, codec: Codec) -> None:
    """Replace the sync document (atomically, 0600)."""
    with storage_errors(f"cannot write {sync_path(paths)}"):
        filesystem().write_atomic(sync_path(paths), seal_sync(document, codec))


@contextmanager
def sync_locked(paths: StorePaths) -> Iterator[None]:
    """The sync document's lock (one updater at a time, across processes)."""
    with storage_errors(f"cannot lock {paths.aux / 'sync.lock'}"):
        filesystem().make_private_dir(paths.aux)
        lock = FileLock(paths.aux / "sync.lock")
    try:
        with lock.exclusive(_LOCK_TIMEOUT):
            yield
    finally:
        lock.close()


def _files(paths: StorePaths) -> tuple[str, int]:
    """A signature of the USER store's files (name, inode, size, mtime) and their newest mtime (ms)."""
    seen, newest = [], 0
    names = [paths.snapshot] + [paths.journal(epoch) for epoch in paths.journal_epochs()]
    for path in names:
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        seen.append(f"{path.name}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}")
        newest = max(newest, info.st_mtime_ns // 1_000_000)
    return hashlib.sha256("\n".join(seen).encode()).hexdigest(), newest


def observe_local(
    user_dir: Path, codec: Codec, host: str, *, write: bool = True, force: bool = False
) -> LocalUser | None:
    """The USER store of ``user_dir`` and its sync document brought up to date (written back
    unless ``write`` is false); None if there is no USER store. With the store's files unchanged
    since the last observation (and not ``force``), the store is not read (``values`` is empty)."""
    from sessionkeeper.core.tools.reading import read_scope  # the loader: not needed by a push without USER

    paths = user_store_paths(user_dir)
    if not paths.exists():
        return None
    with sync_locked(paths) if write else contextlib.nullcontext():  # a dry run makes no file
        document, problem = read_local_sync(paths, codec, host)
        signature, newest = _files(paths)
        if problem is not None:
            log().warning("sessionkeeper: %s", problem)
        if document.observed == signature and not force:
            return LocalUser({}, document, True, ())
        view = read_scope(paths, "user", codec)
        # Damage set aside by a checkpoint (user.json.corrupt) may be what made keys go: until
        # someone has looked at it, keys missing are not taken as deleted either.
        clean = not view.report.dropped and not paths.corrupt.exists()
        values = dict(view.values.items())
        # The wall time of these changes: the store's last modification, never in the future.
        wall = min(newest, int(time.time() * 1000)) or int(time.time() * 1000)
        observed = observe(document, values, wall, signature if clean else "", deletes=clean)
        if write and observed != document:
            write_local_sync(paths, observed, codec)
        warnings = (*((problem,) if problem else ()), *view.report.dropped, *view.report.warnings)
        return LocalUser(values, observed, clean, warnings)
