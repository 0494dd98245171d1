"""The journal one process appends to: journal files made and followed, records appended, fsync.

A process appends to the journal it created **without any inter-process lock**: it reads the
published epoch before its ``write()`` and again after it. If a checkpoint published a new epoch
meanwhile, the checkpoint may not have read the record, so it is written again into the new
journal (a set or delete applied twice changes nothing). Events, and every append to a journal
another process created, hold the journal lock shared instead, which a checkpoint's exclusive
lock waits for. See :mod:`.store` for who publishes epochs and when.

A writer made with ``in_place`` (``fsync="always"``) writes the journals it creates in place
(:mod:`.in_place`): every append to such a journal, its creator's too, holds the journal lock
exclusively and writes at the logical end. A checkpoint that seals it cuts its unused reserve off.

Under compression, a writer that has appended ``_DICTIONARY_AFTER`` bytes to a journal compresses
its next records against a dictionary of its recent ones (see
:mod:`sessionkeeper.core.codec.dictionary`). The dictionary goes into each journal, as two ``"Z"``
records, in the same ``write`` as the first record that names it there: wherever a record lands
(the journal it was framed for, or the next one after a checkpoint), the file holds its dictionary
before it.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable

from sessionkeeper.core.codec.dictionary import DICTIONARY_BYTES, CompressionDictionary
from sessionkeeper.core.codec.envelope import DICTIONARY_FLAG, Codec
from sessionkeeper.core.codec.envelope import MAGIC as SEALED_MAGIC
from sessionkeeper.core.errors import JournalWriteError

from . import journal
from .fs import filesystem
from .identity import seal_record
from .in_place import InPlaceJournal
from .layout import StorePaths, journal_context
from .locks import EpochLock
from .records import RECORD_HEAD

_NOT_STORED = "the change was not stored"
_NOT_APPLIED = "the change was not applied (a checkpoint rewrites the state without it)"

__all__ = ["JournalWriter"]

# A journal gets a dictionary (two copies of ~1.5 KiB once compressed) only past this many bytes
# of this writer's records in it: a hook's journal of a few records does not pay for one.
_DICTIONARY_AFTER = 8 << 10
# A framed record: its head, then the envelope's magic (4 bytes), version and flags.
_SEALED = slice(RECORD_HEAD.size, RECORD_HEAD.size + len(SEALED_MAGIC))
_FLAGS_AT = RECORD_HEAD.size + 5


class JournalWriter:
    """Appends framed records to the current journal of one store, and makes them durable.

    Every method but :meth:`sync_in_background` is called with the owner's ``lock`` held (the one
    that also guards the owner's in-memory state).
    """

    def __init__(
        self,
        paths: StorePaths,
        codec: Codec,
        epochs: EpochLock,
        lock: threading.Lock,
        start: Callable[[], None],
        *,
        in_place: bool = False,
    ) -> None:
        self.paths = paths
        self._creates_in_place = in_place  # the journals this writer creates are written in place
        self._in_place: InPlaceJournal | None = None  # the current journal, if written in place
        self._start = start  # the owner publishes a fresh epoch with a journal of ours (first append)
        self._codec = codec
        self._epochs = epochs
        self._lock = lock
        self._fs = filesystem()
        self._append = self._fs.append
        self._fd = -1
        self.epoch = 0
        self._expected_size: int | None = None  # our own journal's size, while only we append to it
        self.dirty = False  # records appended since the last fsync
        self._entry_unsynced = False  # the current journal's directory entry is not yet durable
        self.sync_failed = False  # an fsync failed: only a checkpoint from memory can be trusted now
        self.changed = False  # records appended since the last seal (the owner resets it)
        self.appended = 0  # bytes appended since the last seal (the owner resets it)
        # The id records are bound to (see :mod:`.identity`); a USER/APP store's is known once
        # the owner has read the store.
        self.store_id: str | None = None if paths.shared_name else paths.name
        self._context = journal_context(paths.name, self.store_id)
        self._seed = journal.record_seed(self.store_id) if self.store_id is not None else 0
        self._compresses = codec.settings.compression is not None
        self._sample: deque[bytes] = deque(maxlen=256)  # recent payloads, until the dictionary is made
        self._dictionary: CompressionDictionary | None = None  # made once per writer
        self._dictionary_records = b""  # its two "Z" records, framed for this store
        self._dictionary_lock = threading.Lock()  # frame() runs outside the owner's lock
        self._dictionary_here = False  # the current journal holds it
        self._here = 0  # bytes this writer appended to the current journal

    def bind(self, store_id: str) -> None:
        """Bind every record from now on to the store ``store_id``."""
        self.store_id = store_id
        self._context = journal_context(self.paths.name, store_id)
        self._seed = journal.record_seed(store_id)

    @property
    def started(self) -> bool:
        """Whether this process has a journal to append to (its own, or one it followed)."""
        return self._fd >= 0

    @property
    def size(self) -> int:
        """The current journal's size in bytes (its logical end, when written in place)."""
        if self._fd < 0:
            return 0
        end = self._in_place.end if self._in_place is not None else None
        return end if end is not None else self._fs.size(self._fd)

    def alone_in(self, epoch: int) -> bool:
        """Whether journal ``epoch`` is ours and holds nothing but what we appended (journal lock
        held exclusively)."""
        if epoch != self.epoch or self._expected_size is None:
            return False
        if self._in_place is not None:
            return self._in_place.end == self._expected_size
        return self._fs.size(self._fd) == self._expected_size

    # -- journal files ---------------------------------------------------------------------------
    def publish(self, epoch: int) -> None:
        """Start journal ``epoch`` and make it the current one for every process (journal lock held
        exclusively). A sealed journal that was written in place loses its unused reserve."""
        self._cut_reserve()
        self._create(epoch)
        self._epochs.set_epoch(epoch)

    def _cut_reserve(self) -> None:
        """Cut the unused reserve off the current journal, if it is written in place and about to be
        sealed. One sealed by another process keeps its reserve until it is deleted."""
        if self._in_place is not None and self._epochs.epoch == self.epoch:
            self._in_place.cut_reserve(self._expected_size)

    def _create(self, epoch: int) -> None:
        """Create the journal for ``epoch`` with its header.

        Its directory entry is made durable by the next sync, like its records: the fsync policy
        decides when (``always``: before the first write to it is acknowledged).
        """
        in_place = self._creates_in_place
        path = self.paths.journal(epoch)
        fd = self._fs.open_in_place(path) if in_place else self._fs.open_append(path)
        try:
            if self._fs.size(fd) == 0:
                assert self.store_id is not None, "the owner binds the writer before it journals"
                header = journal.header_payload(self.paths.name, epoch, self.store_id, in_place=in_place)
                sealed = seal_record(self._codec, self.paths.name, None, header)
                if in_place:
                    self._fs.write_at(fd, sealed, 0)
                else:
                    self._fs.append(fd, sealed)
            size = self._fs.size(fd)
        except BaseException:
            self._fs.close(fd)
            raise
        self._switch_to(fd, epoch, size, in_place)
        if in_place:  # nothing is reserved yet: a journal that stays empty costs nothing
            self._epochs.set_end_in_place(epoch, size)
        self._entry_unsynced = self.dirty = True

    def _follow(self, epoch: int) -> None:
        """Append to journal ``epoch`` from now on (the old descriptor stays if this fails).

        Another process created it and may have died before making its directory entry durable,
        so the next sync fsyncs the directory too: no record is acknowledged in a journal whose
        creation could still be undone by a power loss.
        """
        path = self.paths.journal(epoch)
        in_place = self._epochs.end_in_place(epoch) is not None
        fd = self._fs.open_in_place(path) if in_place else self._fs.open_append(path)
        self._switch_to(fd, epoch, None, in_place)
        self._entry_unsynced = self.dirty = True

    def _switch_to(self, fd: int, epoch: int, expected_size: int | None, in_place: bool) -> None:
        if self._fd >= 0:
            self._close_fd()
        self._fd, self.epoch, self._expected_size = fd, epoch, expected_size
        self._in_place = (
            InPlaceJournal(self._fs, self._epochs, self.paths.journal(epoch), fd, epoch) if in_place else None
        )
        self._here, self._dictionary_here = 0, False

    # -- appending -------------------------------------------------------------------------------
    def frame(self, payload: bytes) -> bytes:
        """One journal record for ``payload``, sealed by the store's codec (compressed/encrypted)
        and bound to the store."""
        if self._codec.plain:
            return journal.frame(payload, self._seed)
        dictionary = self._dictionary_for(payload) if self._compresses else None
        return journal.frame(self._codec.seal(payload, self._context, dictionary), self._seed)

    def _dictionary_for(self, payload: bytes) -> CompressionDictionary | None:
        """The dictionary to compress ``payload`` against, once this writer has appended enough
        to the current journal (made from the recent payloads the first time)."""
        dictionary = self._dictionary
        if dictionary is None:
            self._sample.append(payload[-DICTIONARY_BYTES:])
            if self._here < _DICTIONARY_AFTER:
                return None
            return self._make_dictionary()
        return dictionary if self._here >= _DICTIONARY_AFTER else None

    def _make_dictionary(self) -> CompressionDictionary | None:
        with self._dictionary_lock:
            if self._dictionary is None:
                made = CompressionDictionary.from_samples(list(self._sample))
                if made is None:
                    return None
                payload = journal.dictionary_payload(made)
                # Two copies, sealed apart: one damaged copy loses no record that names it.
                self._dictionary_records = b"".join(
                    seal_record(self._codec, self.paths.name, self.store_id, payload) for _ in range(2)
                )
                self._sample.clear()
                self._dictionary = made
            return self._dictionary

    def _with_dictionary(self, record: bytes) -> bytes:
        """``record``, after our dictionary if it names it and the current journal lacks it:
        written together, no reader sees the record without it."""
        if (
            self._dictionary_here
            or record[_SEALED] != SEALED_MAGIC
            or not record[_FLAGS_AT] & DICTIONARY_FLAG
        ):
            return record
        return self._dictionary_records + record

    def append(self, record: bytes, idempotent: bool = True) -> None:
        """Append one record made by :meth:`frame` (the hot path). The first append asks the owner
        to start a journal of this process's own.

        The process that created the current journal appends without any inter-process lock and
        checks the published epoch after its ``write``: if a compactor sealed the journal during
        the write, the compactor may have missed the record, so it is written again into the new
        journal. That is safe for ``idempotent`` records (sets, deletes); events are never written
        twice and take the shared lock instead, like every append to a journal another process
        created.
        """
        if self._in_place is not None or self._expected_size is None or not idempotent:
            if not self.started:
                self._start()
            if self._in_place is not None:
                self._append_locked(record, exclusive=True)
                return
            if self._expected_size is None or not idempotent:
                self._append_locked(record)
                return
        epoch = self._epochs.view
        if epoch[0] != self.epoch:  # another process sealed our journal: follow it
            self._append_locked(record)
            return
        data = record if self._dictionary is None else self._with_dictionary(record)
        try:
            self._append(self._fd, data)
        except OSError as exc:
            raise self._failed_append(exc, data) from exc
        if epoch[0] != self.epoch:  # sealed while we wrote: the compactor may not have read it
            self._append_locked(record)
            return
        self._expected_size += len(data)
        self._appended(data, record)

    def _append_locked(self, record: bytes, exclusive: bool = False) -> None:
        """Append under the journal lock: shared (no compactor can seal the journal meanwhile), or
        exclusive for a journal written in place, whose writers take turns at its logical end."""
        lock = self._epochs
        if exclusive:
            lock.acquire_exclusive()
        else:
            lock.acquire_shared()
        data, in_place = record, None
        try:
            if lock.epoch != self.epoch:  # another process sealed our journal: follow it
                self._follow(lock.epoch)
            in_place = self._in_place
            if in_place is None or exclusive:
                if self._dictionary is not None:
                    data = self._with_dictionary(record)
                if in_place is not None:
                    in_place.write(data, self._expected_size)
                else:
                    self._append(self._fd, data)
        except OSError as exc:
            lock.release()
            if in_place is not None:  # what a failed write in place left is zeroed already
                raise self.error(exc, "could not write to") from exc
            raise self._failed_append(exc, data) from exc
        lock.release()
        if in_place is not None and not exclusive:  # the journal followed is written in place
            self._append_locked(record, exclusive=True)
            return
        if self._expected_size is not None:
            self._expected_size += len(data)
        self._appended(data, record)

    def _appended(self, data: bytes, record: bytes) -> None:
        """Count ``data`` (``record``, after our dictionary if it went first) as written."""
        if data is not record:
            self._dictionary_here = True
        self._here += len(data)
        self.appended += len(data)
        self.dirty = self.changed = True

    def _failed_append(self, exc: OSError, record: bytes) -> JournalWriteError:
        self._cut_partial_record(record)
        return self.error(exc, "could not write to")

    def error(self, exc: OSError, what: str, outcome: str = _NOT_STORED) -> JournalWriteError:
        """The error to raise when the journal could not be made, written or synced."""
        path = self.paths.journal(self.epoch)
        message = f"{what} the journal {path}: {exc.strerror or exc}; {outcome}"
        return JournalWriteError(exc.errno or 0, message)

    def _cut_partial_record(self, record: bytes) -> None:
        """After a failed append, remove the bytes it left, if they are provably ours alone.

        Only under the journal lock held exclusively (no locked appender can write meanwhile, and
        only this process appends without it) and only if everything after our last record is a
        strict prefix of ``record``: another process's record there would break the prefix, since
        a whole record cannot be a prefix of a longer one with its own length field.
        """
        expected = self._expected_size
        if expected is None or not self._epochs.try_exclusive():
            return  # others may be appending: the partial record stays and is skipped on reading
        try:
            current = self._fs.size(self._fd)
            if (
                expected < current < expected + len(record)
                and self._fs.read_range(self.paths.journal(self.epoch), expected, current)
                == record[: current - expected]
            ):
                self._fs.truncate(self._fd, expected)
        except OSError:
            pass  # a partial record that stays is skipped (and reported) when reading
        finally:
            self._epochs.release()

    # -- durability ------------------------------------------------------------------------------
    def sync(self) -> None:
        """fsync the journal now (with the owner's lock held)."""
        if self._fd >= 0:
            try:
                self._fs.fsync(self._fd)
                if self._entry_unsynced:
                    self._fs.fsync_dir(self.paths.aux)
            except OSError as exc:
                # Never retry an fsync (the kernel may have dropped the pages): the next
                # checkpoint rewrites everything from memory instead.
                self.sync_failed = True
                # The record is written but not known durable: the change is not made in memory,
                # and the next checkpoint (from memory) leaves it out for good.
                raise self.error(exc, "could not make durable", _NOT_APPLIED) from exc
            self.dirty = self._entry_unsynced = False

    def sync_in_background(self) -> None:
        """fsync without holding up writers (group commit: covers every record appended so far).

        The descriptor is duplicated under the owner's lock so a concurrent journal switch cannot
        close it under us; the fsync itself runs unlocked.
        """
        with self._lock:
            if self._fd < 0 or not self.dirty:
                return
            fd = self._fs.dup(self._fd)
            entry_unsynced, self._entry_unsynced = self._entry_unsynced, False
            self.dirty = False
        try:
            self._fs.fsync(fd)
            if entry_unsynced:
                self._fs.fsync_dir(self.paths.aux)
        except OSError as exc:
            self.sync_failed = True  # no fsync retry: a checkpoint from memory replaces the journal
            raise self.error(exc, "could not make durable") from exc
        finally:
            self._fs.close(fd)

    # -- closing ---------------------------------------------------------------------------------
    def _close_fd(self) -> None:
        with contextlib.suppress(OSError):
            self._fs.close(self._fd)
        self._fd, self._in_place = -1, None

    def close(self) -> None:
        """Sync (best effort: the snapshot written before this holds everything) and close."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                self.sync()
            self._close_fd()

    def abandon(self) -> None:
        """Forget the descriptor (inherited through ``fork()``) without syncing it."""
        self._close_fd()
