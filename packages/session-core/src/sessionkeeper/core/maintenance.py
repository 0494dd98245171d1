"""Operations on stored sessions from any process: compact, verify, export, import.

These work on the files, whether or not another process has the session open: compaction takes the
same locks as a running manager's checkpoint, verification and export take none.
"""

from __future__ import annotations

import functools
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import immutables

from . import journal
from .catalog import session_paths, sessions_dir
from .codec import Codec
from .config import resolve_codec
from .errors import (
    CorruptSessionError,
    IntegrityError,
    LegacySessionError,
    SessionkeeperError,
    SessionNotFoundError,
)
from .fs import filesystem
from .ids import new_session_id
from .snapshot import (
    SessionDocument,
    SnapshotFormatError,
    parse_scope_document,
    parse_session_document,
    render_session_document,
    session_initial,
)
from .store import (
    MAX_JOURNAL_BYTES,
    MAX_SNAPSHOT_BYTES,
    Loaded,
    StorePaths,
    StoreWriter,
    journal_context,
    load_store,
    snapshot_context,
)

__all__ = [
    "StoreCheck",
    "checkpoint_session",
    "export_session",
    "import_session",
    "verify_store",
]


def _require(data_dir: Path, session_id: str) -> StorePaths:
    paths = session_paths(data_dir, session_id)
    if not paths.exists():
        raise SessionNotFoundError(session_id, str(paths.directory))
    return paths


def _render(loaded: Loaded[SessionDocument], session_id: str, epoch: int) -> bytes:
    doc = loaded.document
    return render_session_document(
        session_id=session_id,
        started_at=doc.started_at if doc else datetime.now(UTC),
        values=loaded.values,
        events=loaded.events,
        user=immutables.Map(doc.user if doc else {}),
        app=immutables.Map(doc.app if doc else {}),
        journal_epoch=epoch,
        resumed_from=doc.resumed_from if doc else None,
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
    writer: StoreWriter[SessionDocument, Loaded[SessionDocument]] = StoreWriter(
        paths, threading.Lock(), parse_session_document, session_initial, codec
    )
    try:
        current = writer.open()

        def adopt(loaded: Loaded[SessionDocument]) -> Loaded[SessionDocument]:
            nonlocal current
            current = loaded
            return loaded

        writer.checkpoint(
            lambda: current, adopt, lambda loaded, epoch: _render(loaded, session_id, epoch), lock_timeout
        )
        return current
    finally:
        writer.close()


@attrs.frozen
class StoreCheck:
    """The result of checking every file of one store."""

    name: str
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_store(paths: StorePaths, kind: str, codec: Codec | None = None) -> StoreCheck:
    """Check a store's snapshot, backup and every journal without changing anything.

    ``kind`` is ``"session"``, ``"user"`` or ``"app"``. Sealed files are opened with ``codec``
    (by default the environment's); a file that cannot be opened for want of a key is a problem.
    """
    codec = codec if codec is not None else resolve_codec()
    problems: list[str] = []
    notes: list[str] = []
    fs = filesystem()
    documents: list[tuple[str, Any]] = []
    for label, path in (("snapshot", paths.snapshot), ("backup", paths.backup)):
        if not path.exists():
            continue
        try:
            data = codec.open(
                fs.read_bytes(path, MAX_SNAPSHOT_BYTES), snapshot_context(paths.name), path.name
            )
            doc: Any = parse_session_document(data) if kind == "session" else parse_scope_document(data, kind)
        except (OSError, SnapshotFormatError, SessionkeeperError) as exc:
            problems.append(f"{label} {path.name}: {exc}")
            continue
        documents.append((label, doc))
        if isinstance(doc, SessionDocument):
            if doc.session_id != paths.name:
                notes.append(f"{path.name} says it is {doc.session_id}")
            if doc.legacy:
                notes.append(f"{path.name} was written by the old session tool (read-only)")
    if not documents and (paths.snapshot.exists() or paths.backup.exists()):
        problems.append("no readable snapshot or backup: the session cannot be loaded")
    for epoch in paths.journal_epochs():
        path = paths.journal(epoch)
        opener = functools.partial(
            codec.open, context=journal_context(paths.name), what=f"journal {path.name}"
        )
        try:
            scanned = journal.scan(fs.read_bytes(path, MAX_JOURNAL_BYTES), opener)
        except (OSError, SessionkeeperError) as exc:
            problems.append(f"journal {path.name}: {exc}")
            continue
        header = scanned.header
        if scanned.records and (header is None or header[2:4] != [paths.name, epoch]):
            problems.append(f"journal {path.name}: header does not name {paths.name} epoch {epoch}")
        for damage in scanned.damage:
            # A torn tail is what a crash mid-write leaves; it is cut on the next open, not damage.
            (notes if damage.torn_tail else problems).append(f"journal {path.name}: {damage.describe()}")
    return StoreCheck(paths.name, tuple(problems), tuple(notes))


_MAX_IMPORT_BYTES = MAX_SNAPSHOT_BYTES


EXPORT_CONTEXT = b"export"


def export_session(data_dir: Path, session_id: str, codec: Codec | None = None) -> bytes:
    """A self-contained snapshot of the session as it is now (journals applied), in the guide's
    layout, sealed like everything else when compression or encryption is on."""
    paths = _require(data_dir, session_id)
    codec = codec if codec is not None else resolve_codec()
    loaded = load_store(paths, parse_session_document, session_initial, codec=codec)
    return codec.seal(_render(loaded, session_id, 0), EXPORT_CONTEXT)


def import_session(data_dir: Path, data: bytes, codec: Codec | None = None) -> str:
    """Store an exported (or old-tool) session document as a new session; returns its new id.

    The document is validated first; nothing is written if it does not parse.
    """
    codec = codec if codec is not None else resolve_codec()
    if len(data) > _MAX_IMPORT_BYTES:
        raise CorruptSessionError(
            "import file", f"{len(data)} bytes is over the {_MAX_IMPORT_BYTES}-byte limit"
        )
    try:
        doc = parse_session_document(codec.open(data, EXPORT_CONTEXT, "import file"))
    except (SnapshotFormatError, IntegrityError) as exc:
        raise CorruptSessionError("import file", str(exc)) from None
    fs = filesystem()
    fs.make_private_dir(sessions_dir(data_dir))
    while True:
        session_id = new_session_id()
        paths = session_paths(data_dir, session_id)
        if not paths.exists():
            break
    rendered = render_session_document(
        session_id=session_id,
        started_at=doc.started_at,
        values=doc.values,
        events=doc.events,
        user=immutables.Map(doc.user),
        app=immutables.Map(doc.app),
        journal_epoch=0,
        resumed_from=doc.session_id,
    )
    fs.write_atomic(paths.snapshot, codec.seal(rendered, snapshot_context(session_id)))
    return session_id
