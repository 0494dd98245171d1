"""Writing one persistent store: journal appends and checkpoints (its reading is :mod:`.loader`).

A checkpoint *seals* the current journal (epoch ``e``) by publishing epoch ``e+1`` under the
exclusive journal lock, then writes a snapshot that contains everything up to ``e``. The process
that created a journal appends to it without the lock and re-checks the epoch after each write;
every other appender holds the lock shared (see :meth:`StoreWriter.append`). Journals are
deleted only once the *backup* contains them too (see :mod:`.snapshot_writer`). The files of a
store are listed in :mod:`.layout`, and how each names its store in :mod:`.identity`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar

from sessionkeeper.core.codec.envelope import PLAIN, Codec
from sessionkeeper.core.errors import SaveError
from sessionkeeper.core.limits import DEFAULT_LIMITS, Limits

from .fs import filesystem
from .identity import establish_identity
from .journal_writer import JournalWriter
from .layout import StorePaths
from .loader import Doc, Loaded, load_store
from .locks import EpochLock, FileLock, lock_platform
from .snapshot_writer import SnapshotWriter

__all__ = ["ImageSource", "StoreWriter"]

Image = TypeVar("Image")


class ImageSource(Protocol[Doc, Image]):
    """The owner of a store's state in memory, as a checkpoint sees it (called under its lock)."""

    def capture(self) -> Image:
        """A private copy of the state, which holds every record this process appended."""
        ...

    def adopt(self, loaded: Loaded[Doc]) -> Image:
        """Another process wrote too: make ``loaded`` (the store as on disk, which holds all of
        our records as well) the state in memory, and return its image."""
        ...

    def render(self, image: Image, epoch: int) -> bytes:
        """The snapshot document of ``image``, covering journals up to ``epoch``."""
        ...


class StoreWriter(Generic[Doc, Image]):
    """Appends journal records to one store and compacts them into snapshots.

    ``lock`` is the owner's lock that also guards its in-memory state: appends and the seal of a
    checkpoint run under it, so a sealed journal and the captured state always agree.
    """

    def __init__(
        self,
        paths: StorePaths,
        lock: threading.Lock,
        parse: Callable[[bytes], Doc],
        initial: Callable[[Doc], tuple[Mapping[str, Any], list[Any], int]],
        codec: Codec = PLAIN,
        limits: Limits = DEFAULT_LIMITS,
        *,
        in_place: bool = False,
    ) -> None:
        """``in_place``: the journals this writer creates are written in place (see
        :mod:`.in_place`), for ``fsync="always"``."""
        self.paths = paths
        self._lock = lock
        self._parse = parse
        self._initial = initial
        self._codec = codec
        self.limits = limits
        # Decompressed bytes the next load reads before the journals written since: the snapshot
        # as last written (or everything read at open). The owner adds what it appends.
        self.base_bytes = 0
        self._fs = filesystem()
        self._snapshots = SnapshotWriter(paths, codec, limits)
        self._seen: tuple[int, int | None] | None = None  # the current journal when open() read
        self._stale = False  # memory may lack records: the next checkpoint reads the store
        lock_platform()  # a platform without file locks is refused before any folder is made
        self._fs.make_private_dir(paths.directory)
        self._fs.make_private_dir(paths.aux)
        opened: list[FileLock] = []
        try:
            self._live = FileLock(paths.live)
            opened.append(self._live)
            self._live.acquire_shared()
            self._journal_lock = EpochLock(paths.lock)
            opened.append(self._journal_lock)
            self._compact = FileLock(paths.compact_lock)
            # The journal this process appends to: the manager's hot path calls it directly.
            self.journal = JournalWriter(
                paths, codec, self._journal_lock, lock, self._start_journal, in_place=in_place
            )
        except BaseException:
            for file_lock in opened:  # a half-opened writer must not leave the store looking live
                file_lock.close()
            raise

    # -- opening ---------------------------------------------------------------------------------
    def open(self, *, salvage: bool = False) -> Loaded[Doc]:
        """Load the store (see :func:`load_store`); creates no file.

        The journal this writer appends to is started by its first append (:meth:`_start_journal`),
        so a process that only reads a store (or never changes it) leaves nothing behind. It is
        always a fresh journal: an existing one may end in a torn record, carry a damaged or
        foreign header, or be evidence of a crash; it is never appended to, only replayed until a
        checkpoint makes it unnecessary.
        """
        with self._lock:
            # What was current when we read: if it is still so at our first append, nothing was
            # written meanwhile and what we loaded is the whole store up to our new epoch.
            epoch = self._journal_lock.epoch
            seen = (epoch, self._journal_size(epoch))
            loaded = self._load(salvage)
            self._note_loaded(loaded)
            self._seen = seen if seen == (self._journal_lock.epoch, self._journal_size(epoch)) else None
            if self.journal.store_id is None:
                self._bind(loaded)
        self._remove_stale_temps()
        return loaded

    @property
    def bound_id(self) -> str:
        """The id of the store, which every file this writer writes names (after :meth:`open`)."""
        if self.journal.store_id is None:
            raise RuntimeError("the writer is not open")
        return self.journal.store_id

    def _bind(self, loaded: Loaded[Doc]) -> None:
        """Learn the id of a USER/APP store: the one its files name, written into its identity file
        if that is missing or says otherwise (re-checked under the journal lock, so that two
        processes never give one store two ids); a new one if nothing names any."""
        store_id = loaded.store_id
        if store_id is None or loaded.identity_file_id != store_id:
            with self._journal_lock.exclusive():
                store_id = establish_identity(self.paths, loaded.store_id)
        self.journal.bind(store_id)

    def _start_journal(self) -> None:
        """First append of this writer: publish a new epoch with a journal of its own.

        If another process wrote or checkpointed since :meth:`open` read the store, the state in
        memory lacks those records, so the next checkpoint must read the store from disk rather
        than capture memory (``_stale``). Call with the owner's lock held.
        """
        lock = self._journal_lock
        try:
            with lock.exclusive():
                if not self._publish_unchanged(lock.epoch):
                    self._stale = True
        except OSError as exc:
            raise self.journal.error(exc, "could not create") from exc

    def _load_and_publish(self, salvage: bool = False) -> tuple[Loaded[Doc], int]:
        """Read the store from disk and publish a new epoch with a fresh journal of ours; returns
        what was read (everything before that epoch) and the epoch. Call with the journal lock
        held exclusively.

        The process that created the current journal appends without that lock: a record it wrote
        before we published counts as acknowledged (it still saw its epoch), so if that journal
        grew between our reading it and publishing, it is read again. A record landing after we
        published is written again into our journal by its writer (see :meth:`append`).
        """
        sealed = self._journal_lock.epoch
        size_before = self._journal_size(sealed)
        loaded = self._load(salvage)
        epoch = max(sealed, loaded.last_epoch, loaded.covered_epoch) + 1
        self.journal.publish(epoch)
        if self._journal_size(sealed) != size_before:
            loaded = self._load(salvage)
        self._note_loaded(loaded)
        return loaded, epoch

    def _publish_unchanged(self, sealed: int) -> bool:
        """Publish a fresh journal of ours past ``sealed`` (no journal of ours yet, journal lock
        held exclusively); True if nothing was written or sealed since :meth:`open` read the
        store. Checked before and after publishing: the owner of the sealed journal appends
        without the lock, and a record it wrote before seeing our epoch is acknowledged."""
        size = self._journal_size(sealed)
        unchanged = not self._stale and self._seen == (sealed, size)
        self.journal.publish(self._next_epoch(sealed))
        return unchanged and self._journal_size(sealed) == size

    def _next_epoch(self, sealed: int) -> int:
        """A new epoch past every journal file there is (a creator that died before publishing
        may have left one)."""
        epochs = self.paths.journal_epochs()
        return max(sealed, epochs[-1] if epochs else 0, self._snapshots.covered) + 1

    def _load(self, salvage: bool) -> Loaded[Doc]:
        return load_store(
            self.paths, self._parse, self._initial, salvage=salvage, codec=self._codec, limits=self.limits
        )

    def _remove_stale_temps(self) -> None:
        """Delete temp files a killed checkpoint left, when no checkpoint of this store is running."""
        if not self._compact.try_exclusive():
            return
        try:
            self._snapshots.unlink_temps()
        finally:
            self._compact.release()

    def pack_backup(self) -> None:
        """Compress the backup (see :meth:`SnapshotWriter.pack_backup`) unless a checkpoint of this
        store is running; a clean stop's last step."""
        if not self._compact.try_exclusive():
            return
        try:
            self._snapshots.pack_backup()
        finally:
            self._compact.release()

    def _journal_size(self, epoch: int) -> int | None:
        """The size of journal ``epoch`` (``None``: there is none); its logical end if it is written
        in place (its file's size does not change as records are written)."""
        end = self._journal_lock.end_in_place(epoch)
        return end if end is not None else self._fs.file_size(self.paths.journal(epoch))

    def _note_loaded(self, loaded: Loaded[Doc]) -> None:
        self.base_bytes = loaded.loaded_bytes
        self._snapshots.note_loaded(loaded)

    # -- appending -------------------------------------------------------------------------------
    def frame(self, payload: bytes) -> bytes:
        """One journal record for ``payload``, sealed and bound to the store (after :meth:`open`)."""
        return self.journal.frame(payload)

    def append(self, record: bytes, idempotent: bool = True) -> None:
        """Append one record made by :meth:`frame`; call with the owner's lock held. The first
        append starts a journal of this writer's own (see :meth:`_start_journal`)."""
        self.journal.append(record, idempotent)

    @property
    def changed(self) -> bool:
        """Records were appended since the last checkpoint."""
        return self.journal.changed

    @property
    def bytes_since_checkpoint(self) -> int:
        return self.journal.appended

    def sync(self) -> None:
        """fsync the journal now; call with the owner's lock held."""
        self.journal.sync()

    def sync_in_background(self) -> None:
        """fsync without holding up writers (group commit: covers every record appended so far)."""
        self.journal.sync_in_background()

    @property
    def sync_failed(self) -> bool:
        """An fsync failed: only a checkpoint from memory can be trusted now."""
        return self.journal.sync_failed

    # -- checkpoints -----------------------------------------------------------------------------
    def checkpoint(self, source: ImageSource[Doc, Image], lock_timeout: float | None = None) -> None:
        """Write a snapshot containing every record journaled so far, by any process.

        ``source.capture()`` gives the owner's current state (under the owner's lock) when no other
        process wrote since the last checkpoint; otherwise the store is re-read from disk and
        ``source.adopt()`` makes it the owner's state. Raises :class:`SaveError` if the snapshot
        cannot be written; the journals then still hold everything.
        """
        self._compact.acquire_exclusive(lock_timeout)
        try:
            try:
                image, covered = self._seal(source)
            except OSError as exc:
                raise SaveError(
                    exc.errno or 0,
                    f"checkpoint of {self.paths.snapshot} failed: {exc.strerror or exc}; nothing was changed",
                ) from exc
            try:
                rendered = source.render(image, covered)
                self._snapshots.write(rendered, covered)
            except BaseException as exc:
                self.journal.changed = True
                self._snapshots.failed(exc, covered)
                raise
            self.base_bytes = len(rendered)
            self.journal.sync_failed = False  # what the failed fsync held is in the snapshot now
        finally:
            self._compact.release()

    def _seal(self, source: ImageSource[Doc, Image]) -> tuple[Image, int]:
        with self._lock, self._journal_lock.exclusive():
            epoch = self._journal_lock.epoch
            if (
                not self.journal.started
            ):  # never appended: memory is the store as open() read it, if unchanged
                alone = self._publish_unchanged(epoch)
                if not alone:  # published already: read what the others wrote up to ``epoch``
                    loaded = self._load(False)
                    self._note_loaded(loaded)
            else:
                alone = not self._stale and self.journal.alone_in(epoch)
                if alone:  # only this process appends to its journal without the lock; it waits for us
                    self.journal.publish(self._next_epoch(epoch))
                else:
                    loaded, published = self._load_and_publish()
                    epoch = published - 1
            if alone:
                image = source.capture()
            else:
                image = source.adopt(loaded)
                self._stale = False
            self.journal.changed = False
            self.journal.appended = 0
            return image, epoch

    # -- closing ---------------------------------------------------------------------------------
    def close(self) -> None:
        self.journal.close()
        for lock in (self._journal_lock, self._compact, self._live):
            lock.close()

    def abandon(self) -> None:
        """Forget descriptors inherited through ``fork()`` without touching the parent's locks."""
        self.journal.abandon()
        for lock in (self._journal_lock, self._compact, self._live):
            with contextlib.suppress(OSError, ValueError):
                lock.close()

    @property
    def journal_size(self) -> int:
        return self.journal.size

    def journal_count(self) -> int:
        """How many journal files the store has now (they go once a checkpoint makes them old)."""
        return len(self.paths.journal_epochs())
