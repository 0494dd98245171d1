"""One persistent store on disk: a snapshot, its backup, and the journals written since.

The files of a store are listed in :mod:`.paths`, and how each names its store in :mod:`.identity`.
A checkpoint *seals* the current journal (epoch ``e``) by publishing epoch ``e+1`` under the
exclusive journal lock, then writes a snapshot that contains everything up to ``e``. The process
that created a journal appends to it without the lock and re-checks the epoch after each write;
every other appender holds the lock shared (see :meth:`StoreWriter.append`). Journals are
deleted only once the *backup* contains them too, so falling back to the backup loses nothing.
Loading reads the snapshot (else the backup) and replays every later journal in epoch order.
Readers take no lock: snapshots are replaced atomically and journal records check themselves.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import attrs
import immutables
import orjson

from sessionkeeper.core.codec.envelope import PLAIN, Codec, inspect_envelope
from sessionkeeper.core.errors import (
    CorruptSessionError,
    DecryptionError,
    IntegrityError,
    JournalWriteError,
    KeyRequiredError,
    SaveError,
    SessionkeeperError,
    SnapshotFormatError,
)
from sessionkeeper.core.limits import DEFAULT_LIMITS, STORE_ENV, Budget, Limits

from . import journal
from .documents import IDENTITY_SINCE
from .fs import filesystem
from .identity import establish_identity, read_identity, read_journal, seal_record, store_identity
from .layout import StorePaths, journal_context, snapshot_context
from .locks import EpochLock, FileLock

__all__ = [
    "LoadReport",
    "Loaded",
    "StoreWriter",
    "load_store",
]

MAX_SNAPSHOT_BYTES = 1 << 30  # for tools that read one file on its own (rotation, key status)
MAX_JOURNAL_BYTES = 1 << 30
_EFBIG = 27
_HEAD_READ = 1 << 16  # enough of a journal to find its header record
_LOAD_ATTEMPTS = 5


class Document(Protocol):
    """What a store load needs to know of a parsed snapshot (session or USER/APP)."""

    @property
    def owner(self) -> str | None: ...  # the store it names (None: it names none)

    @property
    def checked(self) -> bool: ...  # it carried a matching checksum

    @property
    def format_version(self) -> int: ...


Doc = TypeVar("Doc", bound=Document)


@attrs.frozen
class LoadReport:
    """How a store was read: from which file, and what (if anything) was dropped."""

    source: str  # "snapshot", "backup" or "journal" (no snapshot yet) or "empty"
    journal_records: int = 0
    warnings: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()


@attrs.frozen
class Loaded(Generic[Doc]):
    """A store's content as read from disk."""

    document: Doc | None
    values: immutables.Map[str, Any]
    events: list[Any]
    covered_epoch: int  # epoch contained in the snapshot that was read
    last_epoch: int  # highest journal epoch found
    current_snapshot_readable: bool
    report: LoadReport
    loaded_bytes: int = 0  # decompressed bytes read (the snapshot and the journals replayed)
    loaded_records: int = 0  # journal records and events read
    store_id: str | None = None  # the store's id as its files name it (see :mod:`.identity`)


class _Retry(Exception):
    """A concurrent checkpoint removed a journal while it was being read."""


def load_store(
    paths: StorePaths,
    parse: Callable[[bytes], Doc],
    initial: Callable[[Doc], tuple[immutables.Map[str, Any], list[Any], int]],
    *,
    salvage: bool = False,
    codec: Codec = PLAIN,
    limits: Limits = DEFAULT_LIMITS,
) -> Loaded[Doc]:
    """Read a store without taking any lock, within ``limits``.

    ``parse`` turns snapshot bytes into a document (raising ``SnapshotFormatError``), ``initial``
    gives its values, events and covered epoch. When neither the snapshot nor its backup can be
    read, the store is rebuilt from its journals if they go back to the first one; otherwise
    :class:`CorruptSessionError` is raised — unless ``salvage``, which keeps whatever the journals
    hold (reported as dropped). Sealed files are opened with ``codec``: a missing or wrong key
    raises :class:`KeyRequiredError` / :class:`DecryptionError` instead of falling back. A store
    that needs more than ``limits`` allow raises :class:`LimitExceededError`.
    """
    for _ in range(_LOAD_ATTEMPTS):
        with contextlib.suppress(_Retry):
            return _load_once(paths, parse, initial, salvage, codec, limits)
    return _load_once(paths, parse, initial, salvage, codec, limits)


def _unreadable(exc: OSError) -> str:
    if exc.errno == _EFBIG:  # damage or a planted file, unless the limit was lowered: say which
        return f"{exc.strerror} ({STORE_ENV} sets the limit)"
    return str(exc.strerror or exc)


def _sealed_journal(path: Path) -> bool:
    """Whether the journal at ``path`` starts with an encrypted record (False: none, or plain)."""
    try:
        head = journal.first_payload(filesystem().read_range(path, 0, _HEAD_READ))
        return head is not None and inspect_envelope(head).encrypted
    except (OSError, SessionkeeperError):
        return False


def _read_document(
    path: Path,
    parse: Callable[[bytes], Doc],
    codec: Codec,
    identity: tuple[str, str | None],
    key_errors: list[SessionkeeperError],
    budget: Budget,
) -> tuple[Doc | None, str | None, int]:
    """A snapshot's document (and its decompressed size), or the reason it cannot be read. A key
    problem (no key, unknown key id) is collected in ``key_errors``: it may be damage to the key
    id, so the backup is tried, and it is raised only if nothing else can be read. ``identity`` is
    the store's name and the id its files must name (``None``: not known)."""
    name, expected = identity
    limit = budget.bytes_left
    try:
        data = filesystem().read_bytes(path, limit + 4096)  # the envelope adds a few bytes
    except FileNotFoundError:
        return None, None, 0
    except OSError as exc:
        return None, f"{path.name}: {_unreadable(exc)}", 0
    try:
        opened = codec.open(data, snapshot_context(name), path.name, limit=limit)
        document = parse(opened)
        owner = document.owner
        if expected is not None and owner is not None and owner != expected and document.checked:
            # Ours (checksummed) and another store's: a swapped or copied file. The caller uses
            # it only when nothing of this store's own says otherwise (no backup).
            mine = name if name == expected else f"{name} store {expected}"
            why = f"{path.name}: it is the snapshot of {str(owner)[:80]}, not of {mine}"
            return document, why, len(opened)
        return document, None, len(opened)
    except (SnapshotFormatError, IntegrityError) as exc:
        return None, f"{path.name}: {exc}", 0
    except (DecryptionError, KeyRequiredError) as exc:
        key_errors.append(exc)
        return None, f"{path.name}: {exc}", 0


def _pick_document(
    paths: StorePaths,
    parse: Callable[[bytes], Doc],
    codec: Codec,
    budget: Budget,
    salvage: bool,
    warnings: list[str],
    dropped: list[str],
) -> _Pick[Doc]:
    """The document a load starts from — the snapshot, else the backup, else none (the journals
    alone) — with where it came from, its size, whether the snapshot itself was readable, and
    the id the store's files must name."""
    key_errors: list[SessionkeeperError] = []
    identity_id, identity_problem = read_identity(paths)
    if identity_problem is not None:
        warnings.append(identity_problem)
    identity = (paths.name, identity_id)
    document, problem, size = _read_document(paths.snapshot, parse, codec, identity, key_errors, budget)
    foreign = None  # another store's snapshot under this name (a swap, or a copy someone made)
    if document is not None and problem is not None:
        foreign, document = (document, size, problem), None
    source = "snapshot"
    readable = document is not None or not paths.snapshot.exists()
    if document is None:
        backup, backup_problem, size = _read_document(
            paths.backup, parse, codec, identity, key_errors, budget
        )
        outvoted = foreign is not None and backup is not None and backup.owner == foreign[0].owner
        if paths.shared_name and outvoted and foreign is not None:
            # Both documents name one other store: the odd one out is the identity file (swapped,
            # or copied from elsewhere), not them. They say which store this is; a writer makes
            # the identity file agree. (A session's name cannot be outvoted: it is its id.)
            document, size, _ = foreign
            warnings.append(
                f"{paths.identity.name} names {identity[1]}, but the snapshot and its backup name "
                f"{document.owner}: the store is {document.owner}"
            )
            return _Pick(document, source, size, True, document.owner)
        if foreign is not None and backup is None and backup_problem is None:
            # No backup to say otherwise: a copy of another store saved under this name. It is
            # all there is, so it loads, with a warning (as the old tool's mismatched files do).
            document, size, why = foreign
            warnings.append(f"{why}; loaded as {paths.name}, the only copy there is")
            problem = None
        elif backup is not None and backup_problem is not None:  # the backup is foreign too
            backup = None
        if problem is not None:
            dropped.append(f"unreadable snapshot {problem}")
        if document is None and backup is not None:
            document, source = backup, "backup"
            if problem is not None:
                warnings.append(f"snapshot unreadable, restored from backup {paths.backup.name}")
        elif document is None and (problem is not None or backup_problem is not None):
            reason = "; ".join(p for p in (problem, backup_problem) if p)
            if key_errors:  # nothing opens: most likely the wrong key (or none), so say that
                raise key_errors[0]
            # Plain files written before encryption: their journals are plain too, and refused the
            # same way (a damaged encrypted store still has sealed journals to rebuild from).
            plaintext = codec.requires_encryption and not _sealed_journal(paths.journal(1))
            if paths.journal(1).exists() and not plaintext:  # they hold every change since the start
                warnings.append(f"no readable snapshot ({reason}); rebuilt from the journals")
            elif salvage and not plaintext:
                dropped.append(f"no readable snapshot ({reason}); kept only what the journals hold")
            else:
                raise CorruptSessionError(paths.name, reason + " (no readable backup)")
    owner = document.owner if document is not None and document.checked else None
    return _Pick(document, source, size, readable, identity[1] or owner)


@attrs.frozen
class _Pick(Generic[Doc]):
    """The document a load starts from (see :func:`_pick_document`)."""

    document: Doc | None
    source: str
    size: int
    readable: bool
    store_id: str | None


def _load_once(
    paths: StorePaths,
    parse: Callable[[bytes], Doc],
    initial: Callable[[Doc], tuple[immutables.Map[str, Any], list[Any], int]],
    salvage: bool,
    codec: Codec,
    limits: Limits,
) -> Loaded[Doc]:
    warnings: list[str] = []
    dropped: list[str] = []
    budget = Budget(limits, f"store {paths.name}")
    if codec.requires_encryption and not paths.aux.exists() and not paths.backup.exists():
        # Never written by Sessionkeeper (the old tool's file, an import): nothing in it was ever
        # encrypted, so a plain file is no downgrade; the first checkpoint (a new session, for the
        # old tool's files) writes it encrypted.
        codec = codec.migrating()
    pick = _pick_document(paths, parse, codec, budget, salvage, warnings, dropped)
    document, source, store_id = pick.document, pick.source, pick.store_id
    values: immutables.Map[str, Any] = immutables.Map()
    events: list[Any] = []
    covered = 0
    if document is not None:
        values, events, covered = initial(document)
        budget.take_bytes(pick.size)
        budget.take_records(len(events))
    # Journals after a snapshot of format 4 were written by writers that bind every record.
    bound_only = document is not None and document.format_version >= IDENTITY_SINCE
    epochs = [e for e in paths.journal_epochs() if e > covered]
    if document is None:
        source = "journal" if epochs else "empty"
    expected = covered + 1
    count = 0
    mutation = values.mutate()
    for epoch in epochs:
        if epoch != expected and document is not None:
            if paths.snapshot.exists() and not paths.journal(expected).exists():
                # Either a checkpoint raced us (retry) or journals were lost (report below).
                fresh, _, _ = _read_document(
                    paths.snapshot, parse, codec, (paths.name, store_id), [], Budget(limits, "")
                )
                if fresh is not None and initial(fresh)[2] != covered:
                    raise _Retry
            dropped.append(f"journal epochs {expected}..{epoch - 1} are missing; changes in them are lost")
        expected = epoch + 1
        applied, store_id = _replay(
            paths, epoch, (mutation, events), (warnings, dropped), codec, budget, store_id, bound_only
        )
        count += applied
    return Loaded(
        document=document,
        values=mutation.finish(),
        events=events,
        covered_epoch=covered,
        last_epoch=epochs[-1] if epochs else covered,
        current_snapshot_readable=pick.readable,
        report=LoadReport(source, count, tuple(warnings), tuple(dropped)),
        loaded_bytes=budget.used,
        loaded_records=limits.max_records - budget.records_left,
        store_id=store_id,
    )


def _replay(
    paths: StorePaths,
    epoch: int,
    into: tuple[immutables.MapMutation[str, Any], list[Any]],
    notes: tuple[list[str], list[str]],
    codec: Codec,
    budget: Budget,
    store_id: str | None,
    bound_only: bool,
) -> tuple[int, str | None]:
    """Apply journal ``epoch`` to the values and events ``into``, noting warnings and what was
    dropped in ``notes``; returns how many records were applied and the store's id (the one its
    header names when it was not known yet)."""
    warnings, dropped = notes
    path = paths.journal(epoch)
    try:
        data = filesystem().read_bytes(path, budget.limits.max_journal_file_bytes)
    except FileNotFoundError:
        raise _Retry from None
    except OSError as exc:
        dropped.append(f"journal {path.name} unreadable ({_unreadable(exc)}); its changes are lost")
        return 0, store_id
    read = read_journal(data, paths, epoch, codec, store_id, budget=budget, bound_only=bound_only)
    if read.problem is not None:
        dropped.append(f"journal {path.name} {read.problem}; ignored")
        return 0, store_id
    scanned = read.scan
    if scanned.header is None and scanned.records:
        warnings.append(f"journal {path.name} has no readable header; its records were applied")
    for damage in scanned.damage:
        (warnings if damage.torn_tail else dropped).append(f"journal {path.name}: {damage.describe()}")
    values, events = into
    applied = 0
    for record in scanned.records:
        if _apply(record, values, events):
            applied += 1
        else:
            dropped.append(f"journal {path.name}: malformed record {str(record)[:60]} ignored")
    return applied, store_id or read.store_id


def _apply(record: list[Any], values: immutables.MapMutation[str, Any], events: list[Any]) -> bool:
    op = record[0]
    if op == "S" and len(record) == 3 and type(record[1]) is str:
        values[record[1]] = record[2]
    elif op == "D" and len(record) == 2 and type(record[1]) is str:
        with contextlib.suppress(KeyError):
            del values[record[1]]
    elif op == "E" and len(record) == 2 and isinstance(record[1], dict):
        events.append(record[1])
    else:
        return False
    return True


Image = TypeVar("Image")


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
        initial: Callable[[Doc], tuple[immutables.Map[str, Any], list[Any], int]],
        codec: Codec = PLAIN,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.paths = paths
        self._lock = lock
        self._parse = parse
        self._initial = initial
        self._codec = codec
        self.limits = limits
        # Decompressed bytes the next load reads before the journals written since: the snapshot
        # as last written (or everything read at open). The owner adds what it appends.
        self.base_bytes = 0
        # The id this writer's records are bound to (see :mod:`.identity`); a USER/APP store's
        # is known once open() has read the store.
        self.store_id: str | None = None if paths.shared_name else paths.name
        self._record_context = journal_context(paths.name, self.store_id)
        self._seed = journal.record_seed(self.store_id) if self.store_id is not None else 0
        self._fs = filesystem()
        self._append = self._fs.append
        self._fd = -1
        self._epoch = 0
        self._expected_size: int | None = None
        self._backup_covered = 0  # epoch contained in the backup (journals up to it may go)
        self._snapshot_covered = 0
        self._snapshot_readable = True
        self.dirty = False  # records appended since the last fsync
        self._entry_unsynced = False  # the current journal's directory entry is not yet durable
        self.changed = False  # records appended since the last checkpoint
        self.sync_failed = False  # an fsync failed: only a checkpoint from memory can be trusted now
        self.bytes_since_checkpoint = 0
        self._seen: tuple[int, int | None] | None = None  # the current journal when open() read
        self._stale = False  # memory may lack records: the next checkpoint reads the store
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
            if self.store_id is None:
                self._bind(loaded.store_id)
        self._remove_stale_temps()
        return loaded

    @property
    def bound_id(self) -> str:
        """The id of the store, which every file this writer writes names (after :meth:`open`)."""
        if self.store_id is None:
            raise RuntimeError("the writer is not open")
        return self.store_id

    def _bind(self, known: str | None) -> None:
        """Learn the id of a USER/APP store: ``known``, the one its files name, written into its
        identity file if that is missing or says otherwise; a new one if nothing names any."""
        store_id = store_identity(self.paths)
        if store_id is None or (known is not None and known != store_id):
            with self._journal_lock.exclusive():
                store_id = establish_identity(self.paths, known)
        self.store_id = store_id
        self._record_context = journal_context(self.paths.name, store_id)
        self._seed = journal.record_seed(store_id)

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
            raise self._journal_error(exc, "could not create") from exc

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
        self._publish(epoch)
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
        self._publish(self._next_epoch(sealed))
        return unchanged and self._journal_size(sealed) == size

    def _next_epoch(self, sealed: int) -> int:
        """A new epoch past every journal file there is (a creator that died before publishing
        may have left one)."""
        epochs = self.paths.journal_epochs()
        return max(sealed, epochs[-1] if epochs else 0, self._snapshot_covered) + 1

    def _load(self, salvage: bool) -> Loaded[Doc]:
        return load_store(
            self.paths, self._parse, self._initial, salvage=salvage, codec=self._codec, limits=self.limits
        )

    def _publish(self, epoch: int) -> None:
        """Start journal ``epoch`` and make it the current one for every process."""
        self._create_journal(epoch)
        self._journal_lock.set_epoch(epoch)

    def _remove_stale_temps(self) -> None:
        """Delete temp files a killed checkpoint left, when no checkpoint of this store is running."""
        if not self._compact.try_exclusive():
            return
        try:
            self._unlink_temps()
        finally:
            self._compact.release()

    def _unlink_temps(self) -> None:
        # Call with the compaction lock held: every snapshot/backup temp file is made under it, so
        # any that exists now belongs to a checkpoint that died.
        prefix = f".{self.paths.name}.json"
        for name in self._fs.listdir(self.paths.directory):
            if name.startswith(prefix) and name.endswith(".tmp"):
                self._fs.unlink(self.paths.directory / name)

    def _journal_size(self, epoch: int) -> int | None:
        """The size of journal ``epoch`` (``None``: there is none)."""
        return self._fs.file_size(self.paths.journal(epoch))

    def _note_loaded(self, loaded: Loaded[Doc]) -> None:
        self.base_bytes = loaded.loaded_bytes
        self._snapshot_covered = loaded.covered_epoch
        self._snapshot_readable = loaded.current_snapshot_readable
        # What the backup contains is only known when it was the file we read; otherwise keep
        # every journal it may need until the next checkpoint makes the snapshot the backup.
        self._backup_covered = loaded.covered_epoch if loaded.report.source == "backup" else 0

    def _switch_to(self, fd: int, epoch: int, expected_size: int | None) -> None:
        if self._fd >= 0:
            self._close_fd()
        self._fd, self._epoch, self._expected_size = fd, epoch, expected_size

    def _open_journal(self, epoch: int) -> None:
        """Append to journal ``epoch`` from now on (the old descriptor stays if this fails).

        Another process created it and may have died before making its directory entry durable,
        so the next sync fsyncs the directory too: no record is acknowledged in a journal whose
        creation could still be undone by a power loss.
        """
        self._switch_to(self._fs.open_append(self.paths.journal(epoch)), epoch, None)
        self._entry_unsynced = self.dirty = True

    def _create_journal(self, epoch: int) -> None:
        """Create the journal for ``epoch`` with its header.

        Its directory entry is made durable by the next sync, like its records: the fsync policy
        decides when (``always``: before the first write to it is acknowledged).
        """
        fd = self._fs.open_append(self.paths.journal(epoch))
        try:
            if self._fs.size(fd) == 0:
                assert self.store_id is not None, "open() binds the writer before it journals"
                header = journal.header_payload(self.paths.name, epoch, self.store_id)
                self._fs.append(fd, seal_record(self._codec, self.paths.name, None, header))
            size = self._fs.size(fd)
        except BaseException:
            self._fs.close(fd)
            raise
        self._switch_to(fd, epoch, size)
        self._entry_unsynced = self.dirty = True

    # -- appending -------------------------------------------------------------------------------
    def frame(self, payload: bytes) -> bytes:
        """One journal record for ``payload``, sealed by the store's codec (compressed/encrypted)
        and bound to the store (call after :meth:`open`)."""
        if self._codec.plain:
            return journal.frame(payload, self._seed)
        return journal.frame(self._codec.seal(payload, self._record_context), self._seed)

    def append(self, record: bytes, *, idempotent: bool = True) -> None:
        """Append one record made by :meth:`frame`; call with the owner's lock held (the hot path).

        The process that created the current journal appends without any inter-process lock and
        checks the published epoch after its ``write``: if a compactor sealed the journal during
        the write, the compactor may have missed the record, so it is written again into the new
        journal. A set or delete applied twice changes nothing (the second copy comes later in
        epoch order), so that is safe for ``idempotent`` records; events are never written twice
        and take the shared lock instead, like every append to a journal another process created.
        """
        if self._expected_size is None or not idempotent:
            if self._fd < 0:
                self._start_journal()
            if self._expected_size is None or not idempotent:
                self._append_locked(record)
                return
        epoch = self._journal_lock.view
        if epoch[0] != self._epoch:  # another process sealed our journal: follow it
            self._append_locked(record)
            return
        try:
            self._append(self._fd, record)
        except OSError as exc:
            raise self._failed_append(exc, record) from exc
        if epoch[0] != self._epoch:  # sealed while we wrote: the compactor may not have read it
            self._append_locked(record)
            return
        self._expected_size += len(record)
        self.bytes_since_checkpoint += len(record)
        self.dirty = self.changed = True

    def _append_locked(self, record: bytes) -> None:
        """Append under the journal lock held shared: no compactor can seal the journal meanwhile."""
        lock = self._journal_lock
        lock.acquire_shared()
        try:
            if lock.epoch != self._epoch:  # another process sealed our journal: follow it
                self._open_journal(lock.epoch)
            self._append(self._fd, record)
        except OSError as exc:
            lock.release()
            raise self._failed_append(exc, record) from exc
        lock.release()
        if self._expected_size is not None:
            self._expected_size += len(record)
        self.bytes_since_checkpoint += len(record)
        self.dirty = self.changed = True

    def _failed_append(self, exc: OSError, record: bytes) -> JournalWriteError:
        self._cut_partial_record(record)
        return self._journal_error(exc, "could not write to")

    def _journal_error(self, exc: OSError, what: str) -> JournalWriteError:
        path = self.paths.journal(self._epoch)
        return JournalWriteError(
            exc.errno or 0, f"{what} the journal {path}: {exc.strerror or exc}; the change was not stored"
        )

    def _cut_partial_record(self, record: bytes) -> None:
        """After a failed append, remove the bytes it left, if they are provably ours alone.

        Only under the journal lock held exclusively (no locked appender can write meanwhile, and
        only this process appends without it) and only if everything after our last record is a
        strict prefix of ``record``: another process's record there would break the prefix, since
        a whole record cannot be a prefix of a longer one with its own length field.
        """
        expected = self._expected_size
        if expected is None or not self._journal_lock.try_exclusive():
            return  # others may be appending: the partial record stays and is skipped on reading
        try:
            current = self._fs.size(self._fd)
            if (
                expected < current < expected + len(record)
                and self._read_journal(expected, current) == record[: current - expected]
            ):
                self._fs.truncate(self._fd, expected)
        except OSError:
            pass  # a partial record that stays is skipped (and reported) when reading
        finally:
            self._journal_lock.release()

    def _read_journal(self, start: int, stop: int) -> bytes:
        return self._fs.read_range(self.paths.journal(self._epoch), start, stop)

    def sync(self) -> None:
        """fsync the journal now; call with the owner's lock held."""
        if self._fd >= 0:
            try:
                self._fs.fsync(self._fd)
                if self._entry_unsynced:
                    self._fs.fsync_dir(self.paths.aux)
            except OSError as exc:
                # Never retry an fsync (the kernel may have dropped the pages): the next
                # checkpoint rewrites everything from memory instead.
                self.sync_failed = True
                raise self._journal_error(exc, "could not make durable") from exc
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
            raise self._journal_error(exc, "could not make durable") from exc
        finally:
            self._fs.close(fd)

    # -- checkpoints -----------------------------------------------------------------------------
    def checkpoint(
        self,
        capture: Callable[[], Image],
        adopt: Callable[[Loaded[Doc]], Image],
        render: Callable[[Image, int], bytes],
        lock_timeout: float | None = None,
    ) -> None:
        """Write a snapshot containing every record journaled so far, by any process.

        ``capture`` returns the owner's current state (called under the owner's lock when no other
        process wrote since the last checkpoint); otherwise the store is re-read from disk and
        ``adopt`` makes it the owner's state. Raises :class:`SaveError` if the snapshot cannot be
        written; the journals then still hold everything.
        """
        self._compact.acquire_exclusive(lock_timeout)
        try:
            try:
                image, covered = self._seal(capture, adopt)
            except OSError as exc:
                raise SaveError(
                    exc.errno or 0,
                    f"checkpoint of {self.paths.snapshot} failed: {exc.strerror or exc}; nothing was changed",
                ) from exc
            try:
                rendered = render(image, covered)
                if len(rendered) > self.limits.max_store_bytes:
                    raise SaveError(
                        _EFBIG,
                        f"checkpoint of {self.paths.snapshot} refused: {len(rendered)} bytes could not be "
                        f"loaded again (over max_store_bytes, {STORE_ENV}={self.limits.max_store_bytes}); "
                        "the journals still hold everything",
                    )
                self._write_snapshot(rendered, covered)
                self.base_bytes = len(rendered)
            except BaseException as exc:
                self.changed = True
                self._sync_sealed(covered)  # the journal it sealed must now carry its records alone
                self._note_save_error(exc)
                raise
            if self.paths.last_save_error.exists():  # a good save ends the error's story
                with contextlib.suppress(OSError):
                    self._fs.unlink(self.paths.last_save_error)
            with contextlib.suppress(OSError):  # tidying up; the snapshot itself is written
                self._unlink_temps()
        finally:
            self._compact.release()

    def _seal(self, capture: Callable[[], Image], adopt: Callable[[Loaded[Doc]], Image]) -> tuple[Image, int]:
        with self._lock, self._journal_lock.exclusive():
            epoch = self._journal_lock.epoch
            if self._fd < 0:  # never appended: memory is the store as open() read it, if unchanged
                alone = self._publish_unchanged(epoch)
                if not alone:  # published already: read what the others wrote up to ``epoch``
                    loaded = self._load(False)
                    self._note_loaded(loaded)
            else:
                alone = (
                    epoch == self._epoch
                    and not self._stale
                    and self._expected_size is not None
                    and self._fs.size(self._fd) == self._expected_size
                )
                if alone:  # only this process appends to its journal without the lock; it waits for us
                    self._publish(self._next_epoch(epoch))
                else:
                    loaded, published = self._load_and_publish()
                    epoch = published - 1
            if alone:
                image = capture()
            else:
                image = adopt(loaded)
                self._stale = False
            self.changed = False
            self.bytes_since_checkpoint = 0
            return image, epoch

    def _write_snapshot(self, data: bytes, covered: int) -> None:
        paths = self.paths
        # An unreadable snapshot must not become the backup: the backup is what we still trust.
        keep = paths.backup if self._snapshot_readable else None
        if keep is None and paths.snapshot.exists():
            with contextlib.suppress(OSError):  # keep the damaged file for inspection, never destroy it
                self._fs.keep_backup(paths.snapshot, paths.directory / f"{paths.name}.json.corrupt")
        try:
            sealed = self._codec.seal(data, snapshot_context(paths.name))
            self._fs.write_atomic(paths.snapshot, sealed, backup=keep)
        except OSError as exc:
            raise SaveError(
                exc.errno or 0,
                f"could not write {paths.snapshot.name}: {exc.strerror or exc}; the previous snapshot and "
                "the journal are intact and will be used",
            ) from exc
        if keep is not None:
            self._backup_covered = self._snapshot_covered
        self._snapshot_covered = covered
        self._snapshot_readable = True
        self.sync_failed = False
        for epoch in self.paths.journal_epochs():
            if epoch <= self._backup_covered:
                self._fs.unlink(self.paths.journal(epoch))

    def _note_save_error(self, exc: BaseException) -> None:
        """Leave the reason beside the journals for other processes (``session info``); best effort:
        the disk that refused the snapshot may refuse this too."""
        record = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "error": str(exc)}
        with contextlib.suppress(OSError):
            self._fs.write_atomic(self.paths.last_save_error, orjson.dumps(record))

    def _sync_sealed(self, epoch: int) -> None:
        """The snapshot that was to contain journal ``epoch`` failed: make that journal durable."""
        with contextlib.suppress(OSError):
            self._fs.sync_file(self.paths.journal(epoch))
            self._fs.fsync_dir(self.paths.aux)

    # -- closing ---------------------------------------------------------------------------------
    def _close_fd(self) -> None:
        with contextlib.suppress(OSError):
            self._fs.close(self._fd)
        self._fd = -1

    def close(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                self.sync()
            self._close_fd()
        for lock in (self._journal_lock, self._compact, self._live):
            lock.close()

    def abandon(self) -> None:
        """Forget descriptors inherited through ``fork()`` without touching the parent's locks."""
        self._close_fd()
        for lock in (self._journal_lock, self._compact, self._live):
            with contextlib.suppress(OSError, ValueError):
                lock.close()

    @property
    def journal_size(self) -> int:
        return self._fs.size(self._fd) if self._fd >= 0 else 0

    def journal_count(self) -> int:
        """How many journal files the store has now (they go once a checkpoint makes them old)."""
        return len(self.paths.journal_epochs())
