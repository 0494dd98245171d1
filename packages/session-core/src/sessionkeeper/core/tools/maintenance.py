"""Operations on stored sessions from any process: compact, verify, export, import.

These work on the files, whether or not another process has the session open: compaction takes the
same locks as a running manager's checkpoint, verification and export take none.
"""

from __future__ import annotations

import errno
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import immutables

from sessionkeeper.core.codec.envelope import Codec, EnvelopeInfo, inspect_envelope
from sessionkeeper.core.config import resolve_codec
from sessionkeeper.core.errors import (
    CorruptSessionError,
    DecryptionError,
    IntegrityError,
    KeyRequiredError,
    LegacySessionError,
    LimitExceededError,
    SessionkeeperError,
    SessionNotFoundError,
    SnapshotFormatError,
    StorageError,
    storage_errors,
)
from sessionkeeper.core.limits import STORE_ENV, Limits, resolve_limits
from sessionkeeper.core.storage import journal
from sessionkeeper.core.storage.catalog import fresh_session_id, session_paths, sessions_dir
from sessionkeeper.core.storage.documents import (
    SessionDocument,
    parse_scope_document,
    parse_session_document,
    render_session_document,
    session_initial,
)
from sessionkeeper.core.storage.fs import filesystem
from sessionkeeper.core.storage.identity import read_identity, read_journal
from sessionkeeper.core.storage.layout import StorePaths, snapshot_context
from sessionkeeper.core.storage.loader import MAX_JOURNAL_BYTES, MAX_SNAPSHOT_BYTES, Loaded, load_store
from sessionkeeper.core.storage.status import unfolded_journals
from sessionkeeper.core.storage.store import StoreWriter

__all__ = [
    "StoreCheck",
    "checkpoint_session",
    "export_session",
    "import_session",
    "read_import_file",
    "verify_store",
]


def _require(data_dir: Path, session_id: str) -> StorePaths:
    paths = session_paths(data_dir, session_id)
    if not paths.exists():
        raise SessionNotFoundError(session_id, str(paths.directory))
    return paths


def _render(loaded: Loaded[SessionDocument], paths: StorePaths, epoch: int) -> bytes:
    doc = loaded.document
    folded = loaded.report.journal_records > 0
    last_update = doc.last_update if doc else None
    if folded:  # the last change is in the newest journal this snapshot folds
        changed = unfolded_journals(paths, doc.journal_epoch if doc else None)[1]
        last_update = changed if last_update is None or (changed and changed > last_update) else last_update
    return render_session_document(
        session_id=paths.name,
        started_at=doc.started_at if doc else datetime.now(UTC),
        values=loaded.values,
        events=loaded.events,
        user=immutables.Map(doc.user if doc else {}),
        app=immutables.Map(doc.app if doc else {}),
        journal_epoch=epoch,
        resumed_from=doc.resumed_from if doc else None,
        last_update=last_update,
        # records after a clean stop's snapshot: the session did not end cleanly after all
        graceful_shutdown=bool(doc and doc.graceful_shutdown) and not folded,
        host=doc.host if doc else None,
    )


def checkpoint_session(
    data_dir: Path, session_id: str, *, lock_timeout: float = 10.0, codec: Codec | None = None
) -> Loaded[SessionDocument]:
    """Compact a session's journals into a fresh snapshot, safely while another process writes it.

    Returns what was loaded (its report says what, if anything, was dropped). Raises
    :class:`LegacySessionError` for a file of the old tool, :class:`SessionLockedError` if another
    compaction does not finish within ``lock_timeout`` seconds.
    """
    paths = _require(data_dir, session_id)
    codec = codec if codec is not None else resolve_codec()
    probe = load_store(paths, parse_session_document, session_initial, codec=codec)
    if probe.document is not None and probe.document.legacy:
        raise LegacySessionError(
            f"{session_id} was written by the old session tool and is never rewritten; "
            f"'resume' or 'recover' it to continue it as a new session"
        )
    with storage_errors(f"cannot open session {session_id} in {paths.directory}"):
        writer: StoreWriter[SessionDocument, Loaded[SessionDocument]] = StoreWriter(
            paths, threading.Lock(), parse_session_document, session_initial, codec
        )
    try:
        with storage_errors(f"cannot open session {session_id} in {paths.directory}"):
            source = _OnDisk(writer.open(), paths)
        writer.checkpoint(source, lock_timeout)
        return source.current
    finally:
        writer.close()


class _OnDisk:
    """The image a maintenance checkpoint writes: the store as read, nothing else in memory."""

    def __init__(self, current: Loaded[SessionDocument], paths: StorePaths) -> None:
        self.current = current
        self._paths = paths

    def capture(self) -> Loaded[SessionDocument]:
        return self.current

    def adopt(self, loaded: Loaded[SessionDocument]) -> Loaded[SessionDocument]:
        self.current = loaded
        return loaded

    def render(self, image: Loaded[SessionDocument], epoch: int) -> bytes:
        return _render(image, self._paths, epoch)


@attrs.frozen
class StoreCheck:
    """The result of checking every file of one store.

    ``problems`` is damage, and ``ok`` says there is none. ``locked`` lists the files that could not
    be checked because they are encrypted and the right key is not configured: that is not damage,
    but they were not verified either (``intact`` is both: checked, and nothing damaged).
    """

    name: str
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    locked: tuple[str, ...] = ()
    wrong_key: bool = False  # keys are configured, but not the one (some of) the locked files need
    needed_keys: tuple[str, ...] = ()  # key ids of the locked files ("passphrase": sealed with one)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def intact(self) -> bool:
        return not self.problems and not self.locked


class _KeyFailures:
    """The files of one store that did not open for want of a key, and whether others did."""

    def __init__(self) -> None:
        self.files: list[tuple[str, KeyRequiredError | DecryptionError]] = []
        self.keys: set[str] = set()
        self.sealed_opened = False  # an encrypted file of this store opened with the configured keys

    def add(self, what: str, exc: KeyRequiredError | DecryptionError, head: bytes) -> None:
        self.files.append((what, exc))
        envelope = _envelope(head)
        if envelope is not None and envelope.passphrase:
            self.keys.add("passphrase")
        elif envelope is not None and envelope.key_id:
            self.keys.add(envelope.key_id)

    def opened(self, head: bytes) -> None:
        envelope = _envelope(head)
        self.sealed_opened |= envelope is not None and envelope.encrypted

    @property
    def locked(self) -> bool:
        """The store is locked, not damaged: no encrypted file of it opens with the configured keys.

        Once one does, the keys are the store's own, and a file sealed under a key id we do not
        have was most likely damaged in its header (the key id is not authenticated until a key
        opens the file), so it is reported as damage.
        """
        return bool(self.files) and not self.sealed_opened

    def damage(self) -> list[str]:
        return [
            f"{what}: {exc}; the rest of this store opens with the configured key, so this file is "
            "damaged (or sealed with a key since dropped)"
            for what, exc in self.files
        ]


def _envelope(head: bytes) -> EnvelopeInfo | None:
    try:
        return inspect_envelope(head)
    except SessionkeeperError:
        return None


def verify_store(paths: StorePaths, kind: str, codec: Codec | None = None) -> StoreCheck:
    """Check a store's snapshot, backup and every journal without changing anything.

    ``kind`` is ``"session"``, ``"user"`` or ``"app"``. Sealed files are opened with ``codec``
    (by default the environment's). A store whose encrypted files cannot be opened for want of the
    right key (none is configured, or another one) is *locked*, not damaged: those files go to
    ``locked``, unchecked.
    """
    codec = codec if codec is not None else resolve_codec()
    notes: list[str] = []
    failures = _KeyFailures()
    expected, identity_problem = read_identity(paths)
    problems, readable = _check_snapshots(paths, kind, codec, expected, failures, notes)
    if identity_problem is not None:  # harmless while the documents name the id; repaired by a writer
        problems.append(f"{identity_problem} (opening the store for writing makes it again)")
    snapshot_failures = len(failures.files)
    journal_problems = _check_journals(paths, codec, expected, failures, notes)
    locked = failures.locked
    if not locked:
        problems += failures.damage()
    if (
        not readable
        and not (locked and snapshot_failures)
        and (paths.snapshot.exists() or paths.backup.exists())
    ):
        problems.append("no readable snapshot or backup: the session cannot be loaded")
    return StoreCheck(
        paths.name,
        tuple(problems + journal_problems),
        tuple(notes),
        tuple(f"{what}: {exc}" for what, exc in failures.files) if locked else (),
        locked and any(isinstance(exc, DecryptionError) for _, exc in failures.files),
        tuple(sorted(failures.keys)) if locked else (),
    )


def _check_snapshots(
    paths: StorePaths, kind: str, codec: Codec, expected: str | None, failures: _KeyFailures, notes: list[str]
) -> tuple[list[str], int]:
    """The damage found in the snapshot and the backup (``expected``: the id they must name), and
    how many of them read back whole."""
    fs = filesystem()
    problems: list[str] = []
    readable = 0
    for label, path in (("snapshot", paths.snapshot), ("backup", paths.backup)):
        if not path.exists():
            continue
        blob = b""
        try:
            blob = fs.read_bytes(path, MAX_SNAPSHOT_BYTES)
            data = codec.open(blob, snapshot_context(paths.name), path.name)
            doc: Any = parse_session_document(data) if kind == "session" else parse_scope_document(data, kind)
        except (KeyRequiredError, DecryptionError) as exc:
            failures.add(f"{label} {path.name}", exc, blob)
            continue
        except (OSError, SnapshotFormatError, SessionkeeperError) as exc:
            problems.append(f"{label} {path.name}: {exc}")
            continue
        failures.opened(blob)
        if doc.owner is not None and expected is not None and doc.owner != expected:
            # A load never takes it for this store's while the other file is readable.
            (problems if doc.checked else notes).append(
                f"{label} {path.name} belongs to {doc.owner}, not {expected}"
            )
            if doc.checked:
                continue
        readable += 1
        if isinstance(doc, SessionDocument) and doc.legacy:
            notes.append(f"{path.name} was written by the old session tool (read-only)")
        if not doc.checked:  # nothing to verify its content against: say so, never call it intact
            notes.append(f"{path.name} has no checksum (written before format 3): unchecked")
    return problems, readable


def _check_journals(
    paths: StorePaths, codec: Codec, store_id: str | None, failures: _KeyFailures, notes: list[str]
) -> list[str]:
    """The damage found in every journal of the store (``store_id``: the id they must name)."""
    fs = filesystem()
    problems: list[str] = []
    for epoch in paths.journal_epochs():
        path = paths.journal(epoch)
        blob = b""
        try:
            blob = fs.read_bytes(path, MAX_JOURNAL_BYTES)
            read = read_journal(blob, paths, epoch, codec, store_id)
        except (KeyRequiredError, DecryptionError) as exc:  # not one record opens with our keys
            failures.add(f"journal {path.name}", exc, journal.first_payload(blob) or b"")
            continue
        except (OSError, SessionkeeperError) as exc:
            problems.append(f"journal {path.name}: {exc}")
            continue
        scanned = read.scan
        if scanned.header is not None or scanned.records:
            failures.opened(journal.first_payload(blob) or b"")
        store_id = store_id or read.store_id
        if read.problem is not None:
            problems.append(f"journal {path.name} {read.problem}")
        elif scanned.records and scanned.header is None:
            problems.append(f"journal {path.name}: header does not name {paths.name} epoch {epoch}")
        for damage in scanned.damage:
            # A torn tail is what a crash mid-write leaves; it is cut on the next open, not damage.
            (notes if damage.torn_tail else problems).append(f"journal {path.name}: {damage.describe()}")
    return problems


EXPORT_CONTEXT = b"export"


def export_session(data_dir: Path, session_id: str, codec: Codec | None = None) -> bytes:
    """A self-contained snapshot of the session as it is now (journals applied), in the guide's
    layout, sealed like everything else when compression or encryption is on."""
    paths = _require(data_dir, session_id)
    codec = codec if codec is not None else resolve_codec()
    loaded = load_store(paths, parse_session_document, session_initial, codec=codec)
    return codec.seal(_render(loaded, paths, 0), EXPORT_CONTEXT)


def read_import_file(path: Path | None, limits: Limits | None = None) -> bytes:
    """The bytes of an import file (``None``: standard input), read within the store limit.

    Devices and FIFOs given by name are refused and nothing past the limit is ever read, so
    ``/dev/zero`` or a huge file fails at once with :class:`LimitExceededError` or
    :class:`StorageError` instead of filling memory.
    """
    limit = (limits or resolve_limits()).max_store_bytes
    if path is None:
        data = sys.stdin.buffer.read(limit + 1)
    else:
        try:
            data = filesystem().read_bytes(path, limit)
        except OSError as exc:
            if exc.errno == errno.EFBIG:
                raise LimitExceededError(
                    f"cannot import {path}: {exc.strerror}", limit=limit, setting=STORE_ENV
                ) from None
            raise StorageError(exc.errno or 0, f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise _import_too_large(limit)
    return data


def _import_too_large(limit: int) -> LimitExceededError:
    return LimitExceededError(f"cannot import: over the {limit}-byte limit", limit=limit, setting=STORE_ENV)


def import_session(
    data_dir: Path, data: bytes, codec: Codec | None = None, limits: Limits | None = None
) -> str:
    """Store an exported (or old-tool) session document as a new session; returns its new id.

    The document is validated first, within ``limits`` (sizes, nesting); nothing is written if it
    does not parse (:class:`CorruptSessionError`) or is too large (:class:`LimitExceededError`).
    """
    codec = codec if codec is not None else resolve_codec()
    limit = (limits or resolve_limits()).max_store_bytes
    if len(data) > limit:
        raise _import_too_large(limit)
    try:
        # An import file was never part of a store: a plain one is no downgrade, and the new
        # session's snapshot is written with the configured codec (encrypted, if it is on).
        opened = codec.migrating().open(data, EXPORT_CONTEXT, "import file", limit)
        doc = parse_session_document(opened)
    except (SnapshotFormatError, IntegrityError) as exc:
        raise CorruptSessionError("import file", str(exc)) from None
    fs = filesystem()
    fs.make_private_dir(sessions_dir(data_dir))
    session_id = fresh_session_id(data_dir)
    paths = session_paths(data_dir, session_id)
    rendered = render_session_document(
        session_id=session_id,
        started_at=doc.started_at,
        values=doc.values,
        events=doc.events,
        user=immutables.Map(doc.user),
        app=immutables.Map(doc.app),
        journal_epoch=0,
        resumed_from=doc.session_id,
        last_update=doc.last_update,
        graceful_shutdown=True,  # a copy that never ran here: nothing of it is unfinished
        host=doc.host,
    )
    fs.write_atomic(paths.snapshot, codec.seal(rendered, snapshot_context(session_id)))
    return session_id
