"""Reading a store without any lock: the snapshot (else its backup), then every later journal.

A load starts from the newest document that checks out and belongs to the store (see
:mod:`.identity`), replays the journals after the epoch it contains, in order, and reports what it
had to drop. Snapshots are replaced atomically and journal records check themselves, so a load
never needs a lock; a checkpoint that removes a journal during the load makes it start again.
Everything read counts against the load's :class:`~sessionkeeper.core.limits.Budget`.
"""

from __future__ import annotations

import contextlib
import errno
import gc
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import attrs

from sessionkeeper.core.codec.envelope import PLAIN, Codec, inspect_envelope
from sessionkeeper.core.errors import (
    CorruptSessionError,
    DecryptionError,
    IntegrityError,
    KeyRequiredError,
    SessionkeeperError,
    SnapshotFormatError,
    storage_errors,
)
from sessionkeeper.core.limits import DEFAULT_LIMITS, STORE_ENV, Budget, Limits

from . import journal
from .documents import IDENTITY_SINCE
from .fs import filesystem
from .identity import read_identity, read_journal
from .layout import StorePaths, snapshot_context

__all__ = [
    "MAX_JOURNAL_BYTES",
    "MAX_SNAPSHOT_BYTES",
    "Doc",
    "Document",
    "LoadReport",
    "Loaded",
    "load_store",
]

MAX_SNAPSHOT_BYTES = 1 << 30  # for tools that read one file on its own (rotation, key status)
MAX_JOURNAL_BYTES = 1 << 30
_EFBIG = errno.EFBIG
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
    values: dict[str, Any]  # the load's own dict: whoever takes it may keep it (ScopeValues adopts it)
    events: list[Any]
    covered_epoch: int  # epoch contained in the snapshot that was read
    last_epoch: int  # highest journal epoch found
    current_snapshot_readable: bool
    report: LoadReport
    loaded_bytes: int = 0  # decompressed bytes read (the snapshot and the journals replayed)
    loaded_records: int = 0  # journal records and events read
    store_id: str | None = None  # the store's id as its files name it (see :mod:`.identity`)
    identity_file_id: str | None = None  # what the identity file says (None: none, or unreadable)


class _Retry(Exception):
    """A concurrent checkpoint removed a journal while it was being read."""


def load_store(
    paths: StorePaths,
    parse: Callable[[bytes], Doc],
    initial: Callable[[Doc], tuple[Mapping[str, Any], list[Any], int]],
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
    # A file that cannot be read is damage (reported); a folder that cannot be listed (a planted
    # symlink, no permission) is a StorageError.
    with storage_errors(f"cannot read {paths.name} in {paths.directory}"), _no_cyclic_gc():
        for _ in range(_LOAD_ATTEMPTS):
            with contextlib.suppress(_Retry):
                return _load_once(paths, parse, initial, salvage, codec, limits)
        return _load_once(paths, parse, initial, salvage, codec, limits)


_LARGE_LOAD = 20  # young objects, in multiples of the collector's first threshold (700 by default)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while a load builds its objects: they are all alive,
    yet every 700 allocations it would walk the young ones, and the older ones again and again
    (about half of a 100k-key resume). Reference counting still frees garbage meanwhile; a
    program that turned the collector off keeps it off.

    When it resumes, the objects the load made are all in the youngest generation, far past its
    threshold: the next allocation would walk every one of them (about 30 ms for 100k small
    dicts), and again as they age through the middle generation. They are long-lived, so they go
    straight to the oldest generation instead: ``gc.freeze()`` + ``gc.unfreeze()`` moves every
    tracked object there in constant time. Nothing is lost: cyclic garbage made before the load
    waits for the next full collection instead of a young one. Only after a large load (the young
    generation many times past its threshold: a small one would not be walked for long), and never
    when the program froze objects itself (unfreezing would release them)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_count()[0] > _LARGE_LOAD * gc.get_threshold()[0] and gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


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
            return _Pick(document, source, size, True, document.owner, identity[1])
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
            # Decided by the oldest journal there is: journal 1 goes once a checkpoint compacts it.
            epochs = paths.journal_epochs()
            plaintext = codec.requires_encryption and not (
                epochs and _sealed_journal(paths.journal(epochs[0]))
            )
            if paths.journal(1).exists() and not plaintext:  # they hold every change since the start
                warnings.append(f"no readable snapshot ({reason}); rebuilt from the journals")
            elif salvage and not plaintext:
                dropped.append(f"no readable snapshot ({reason}); kept only what the journals hold")
            else:
                raise CorruptSessionError(paths.name, reason + " (no readable backup)")
    owner = document.owner if document is not None and document.checked else None
    return _Pick(document, source, size, readable, identity[1] or owner, identity[1])


@attrs.frozen
class _Pick(Generic[Doc]):
    """The document a load starts from (see :func:`_pick_document`)."""

    document: Doc | None
    source: str
    size: int
    readable: bool
    store_id: str | None
    identity_file_id: str | None


def _load_once(
    paths: StorePaths,
    parse: Callable[[bytes], Doc],
    initial: Callable[[Doc], tuple[Mapping[str, Any], list[Any], int]],
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
    values: dict[str, Any] = {}
    events: list[Any] = []
    covered = 0
    if document is not None:
        snapshot_values, events, covered = initial(document)
        # A plain dict, not a HAMT: a record replays in ~0.05 instead of ~0.4 µs, and the dict is
        # handed on as the scope's current values (no map is built unless a state() asks for one).
        values = dict(snapshot_values)
        budget.take_bytes(pick.size)
        budget.take_records(len(events))
    # Journals after a snapshot of format 4 were written by writers that bind every record.
    bound_only = document is not None and document.format_version >= IDENTITY_SINCE
    epochs = [e for e in paths.journal_epochs() if e > covered]
    if document is None:
        source = "journal" if epochs else "empty"
    expected = covered + 1
    count = 0
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
            paths, epoch, (values, events), (warnings, dropped), codec, budget, store_id, bound_only
        )
        count += applied
    return Loaded(
        document=document,
        values=values,
        events=events,
        covered_epoch=covered,
        last_epoch=epochs[-1] if epochs else covered,
        current_snapshot_readable=pick.readable,
        report=LoadReport(source, count, tuple(warnings), tuple(dropped)),
        loaded_bytes=budget.used,
        loaded_records=limits.max_records - budget.records_left,
        store_id=store_id,
        identity_file_id=pick.identity_file_id,
    )


def _replay(
    paths: StorePaths,
    epoch: int,
    into: tuple[dict[str, Any], list[Any]],
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
    # _apply inlined for the common case (a set): this runs once per record of every load.
    for record in scanned.records:
        if record[0] == "S" and len(record) == 3 and type(record[1]) is str:
            values[record[1]] = record[2]
        elif not _apply(record, values, events):
            dropped.append(f"journal {path.name}: malformed record {str(record)[:60]} ignored")
            continue
        applied += 1
    return applied, store_id or read.store_id


def _apply(record: list[Any], values: dict[str, Any], events: list[Any]) -> bool:
    op = record[0]
    if op == "S" and len(record) == 3 and type(record[1]) is str:
        values[record[1]] = record[2]
    elif op == "D" and len(record) == 2 and type(record[1]) is str:
        values.pop(record[1], None)
    elif op == "E" and len(record) == 2 and isinstance(record[1], dict):
        events.append(record[1])
    else:
        return False
    return True
