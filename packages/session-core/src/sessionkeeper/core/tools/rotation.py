"""Key management over whole directories: how each file is sealed, and re-sealing under a new key.

Rotation rewrites one file at a time with an atomic replace, so a rotation killed at any point
leaves every file readable with the old key or the new one; the caller keeps both keys available
until :func:`rotate_keys` has returned (``session key rotate`` writes the key file as
``new, old`` first and drops the old key only at the end).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, closing
from pathlib import Path

import attrs
import orjson

from sessionkeeper.core.codec.envelope import Codec, EnvelopeInfo, inspect_envelope
from sessionkeeper.core.errors import IntegrityError, SessionkeeperError, SessionLockedError
from sessionkeeper.core.remote.user_clock import SYNC_CONTEXT
from sessionkeeper.core.storage import journal
from sessionkeeper.core.storage.catalog import app_store_paths, list_sessions, user_store_paths
from sessionkeeper.core.storage.fs import filesystem
from sessionkeeper.core.storage.identity import JournalRead, read_journal, seal_record, store_identity
from sessionkeeper.core.storage.layout import StorePaths, snapshot_context
from sessionkeeper.core.storage.loader import MAX_JOURNAL_BYTES, MAX_SNAPSHOT_BYTES
from sessionkeeper.core.storage.locks import FileLock, is_held

__all__ = ["SealedFile", "key_status", "rotate_keys"]


@attrs.frozen
class SealedFile:
    """How one stored file is written (``envelope`` None: empty or unreadable header)."""

    path: Path
    store: str
    kind: str  # "snapshot", "backup", "journal" or "sync" (USER's sync document)
    envelope: EnvelopeInfo | None
    problem: str | None = None


def _stores(data_dir: Path, user_dir: Path) -> Iterator[StorePaths]:
    for entry in list_sessions(data_dir):
        if not entry.legacy:  # the old tool's files are never rewritten
            yield entry.paths
    for paths in (app_store_paths(data_dir), user_store_paths(user_dir)):
        if paths.exists():
            yield paths


def _files(paths: StorePaths) -> Iterator[tuple[str, Path]]:
    # The USER store's sync document (remote backup: see remote/user_sync.py) is sealed like a
    # snapshot, with a context of its own.
    for kind, path in (("snapshot", paths.snapshot), ("backup", paths.backup), ("sync", paths.aux / "sync")):
        if path.exists():
            yield kind, path
    for epoch in paths.journal_epochs():
        yield "journal", paths.journal(epoch)


def key_status(data_dir: Path, user_dir: Path) -> list[SealedFile]:
    """Every file of every store (but the old tool's): plain, compressed or encrypted, and under
    which key id. Reads headers only; needs no key."""
    fs = filesystem()
    result = []
    for paths in _stores(data_dir, user_dir):
        for kind, path in _files(paths):
            try:
                blob = fs.read_bytes(path, MAX_JOURNAL_BYTES if kind == "journal" else MAX_SNAPSHOT_BYTES)
                head = (journal.first_payload(blob) or b"") if kind == "journal" else blob
                envelope = inspect_envelope(head) if head else None
                result.append(SealedFile(path, paths.name, kind, envelope))
            except (OSError, SessionkeeperError) as exc:
                result.append(SealedFile(path, paths.name, kind, None, str(exc)))
    return result


def _read(blob: bytes, paths: StorePaths, path: Path, old: Codec) -> JournalRead:
    return read_journal(blob, paths, int(path.stem), old, store_identity(paths))


def _has_damage(blob: bytes, paths: StorePaths, path: Path, old: Codec) -> bool:
    read = _read(blob, paths, path, old)
    # A torn tail was never acknowledged; another store's journal would be rewritten as this one's.
    return read.problem is not None or any(not damage.torn_tail for damage in read.scan.damage)


def _reseal_journal(blob: bytes, paths: StorePaths, path: Path, old: Codec, new: Codec) -> bytes:
    """The journal sealed with ``new``: its header unbound, its records bound as they were."""
    read = _read(blob, paths, path, old)
    header = read.scan.header
    sealed = [seal_record(new, paths.name, None, orjson.dumps(header))] if header is not None else []
    sealed += (
        seal_record(new, paths.name, read.store_id, orjson.dumps(record)) for record in read.scan.records
    )
    return b"".join(sealed)


def rotate_keys(data_dir: Path, user_dir: Path, old: Codec, new: Codec, *, lock_timeout: float = 10.0) -> int:
    """Re-seal every file of every store with ``new`` (reading with ``old``); returns how many.

    Refuses (:class:`SessionLockedError`) while any store is open in a running process: such a
    process would go on writing with the key it started with. Refuses (:class:`IntegrityError`),
    before changing anything, when a journal holds damaged records: re-sealing would keep only the
    good ones and so erase the evidence of the loss. Each store is rewritten under its compaction
    and journal locks, one atomic file replacement at a time.
    """
    fs = filesystem()
    # Rotation is the explicit migration to encryption: plain files written before it was switched
    # on are read (and re-sealed with ``new``) here, where a load would refuse them.
    old = old.migrating()
    stores = list(_stores(data_dir, user_dir))
    busy = [paths.name for paths in stores if is_held(paths.live)]
    if busy:
        raise SessionLockedError(
            f"{', '.join(busy)} {'is' if len(busy) == 1 else 'are'} open in a running process; "
            "stop it first, then rotate"
        )
    damaged = [
        f"{path.parent.name}/{path.name}"
        for paths in stores
        for kind, path in _files(paths)
        if kind == "journal" and _has_damage(fs.read_bytes(path, MAX_JOURNAL_BYTES), paths, path, old)
    ]
    if damaged:
        raise IntegrityError(
            f"not rotating: damaged journal record(s) in {', '.join(damaged)}; run 'session verify', "
            "then checkpoint or recover those sessions (the damaged journals go once a snapshot holds "
            "everything) and rotate again"
        )
    rewritten = 0
    for paths in stores:
        fs.make_private_dir(paths.aux)  # an imported session has no journal folder yet
        with ExitStack() as held:
            for lock_path in (paths.compact_lock, paths.lock):
                lock = held.enter_context(closing(FileLock(lock_path)))
                held.enter_context(lock.exclusive(lock_timeout))
            for kind, path in _files(paths):
                if kind == "journal":
                    blob = fs.read_bytes(path, MAX_JOURNAL_BYTES)
                    sealed = _reseal_journal(blob, paths, path, old, new)
                else:
                    context = SYNC_CONTEXT if kind == "sync" else snapshot_context(paths.name)
                    data = old.open(fs.read_bytes(path, MAX_SNAPSHOT_BYTES), context, path.name)
                    sealed = new.seal(data, context)
                fs.write_atomic(path, sealed)
                rewritten += 1
    return rewritten
