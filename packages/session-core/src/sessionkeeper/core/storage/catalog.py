"""The sessions of a data directory: listing, the "current session" pointer, and retention."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from sessionkeeper.core.codec.envelope import MAGIC as SEALED_MAGIC
from sessionkeeper.core.errors import InvalidSessionIdError, SessionkeeperError
from sessionkeeper.core.model.ids import id_local_time, id_stamp, new_session_id, validate_session_id

from .fs import filesystem

if TYPE_CHECKING:
    from .scan import ScannedSession
    from .status import SessionStatus
from .layout import (
    StorePaths,
    current_pointer,
    sessions_dir,
    snapshot_context,
)
from .loader import MAX_SNAPSHOT_BYTES
from .locks import is_held

__all__ = [
    "SessionEntry",
    "app_store_paths",
    "file_size",
    "fresh_session_id",
    "is_legacy_file",
    "list_sessions",
    "opened_head",
    "read_current",
    "remove_ghosts",
    "remove_session",
    "session_paths",
    "sessions_dir",
    "user_store_paths",
    "write_current",
]

_MAX_POINTER_BYTES = 256


def app_store_paths(data_dir: Path) -> StorePaths:
    """The APP scope's store of a data directory."""
    return StorePaths(data_dir, "app", shared_name=True)


def user_store_paths(user_dir: Path) -> StorePaths:
    """The USER scope's store of a user directory."""
    return StorePaths(user_dir, "user", shared_name=True)


def session_paths(data_dir: Path, session_id: str) -> StorePaths:
    """The files of a session; raises :class:`InvalidSessionIdError` for a malformed id."""
    return StorePaths(sessions_dir(data_dir), validate_session_id(session_id))


def fresh_session_id(data_dir: Path) -> str:
    """A new session id that no session of ``data_dir`` has (ids are random: a clash is rare)."""
    while True:
        session_id = new_session_id()
        if not session_paths(data_dir, session_id).exists():
            return session_id


@attrs.frozen
class SessionEntry:
    """One session found in a data directory (nothing is read but its file names and sizes)."""

    session_id: str
    paths: StorePaths
    has_snapshot: bool
    has_backup: bool
    size: int
    live: bool
    legacy: bool  # written by the old session tool: read-only history, never pruned

    @property
    def started_hint(self) -> datetime:
        """Local start time as encoded in the id (the file itself says it exactly)."""
        return id_local_time(self.session_id)

    def status(self) -> SessionStatus:
        """How the session was left: running, ended cleanly, crashed (reads the first bytes of its
        files; see :mod:`.status`)."""
        from .status import session_status

        return session_status(self.paths, live=self.live, legacy=self.legacy)


def file_size(path: Path) -> int:
    """A file's size, 0 if it is not there."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


_STARTED = re.compile(rb'"started_at"\s*:\s*"([^"]{10,40})"')


def _head(path: Path, size: int = 512) -> bytes:
    try:
        return filesystem().read_head(path, size)[0]
    except OSError:  # missing, a symlink, a FIFO...: nothing to read
        return b""


def is_legacy_file(path: Path) -> bool:
    """True for a snapshot written by the old tool: ours start with ``format_version``."""
    head = _head(path)
    if not head or head.startswith(SEALED_MAGIC):  # compressed/encrypted: ours, the old tool never sealed
        return False
    return b'"format_version"' not in head[:256]


def opened_head(path: Path, size: int = 512) -> bytes:
    """The first ``size`` bytes of a snapshot's document, unsealing it when it is compressed or
    encrypted (with the configured codec; without the key there is nothing to read: ``b""``)."""
    head = _head(path, size)
    if not head.startswith(SEALED_MAGIC):
        return head
    from sessionkeeper.core.config import (
        resolve_codec,  # only for sealed files of ids sharing one second: rare
    )

    with contextlib.suppress(OSError, SessionkeeperError):
        data = filesystem().read_bytes(path, MAX_SNAPSHOT_BYTES)
        return resolve_codec().open(data, snapshot_context(path.name.split(".")[0]), path.name)[:size]
    return b""


def _started_at(paths: StorePaths) -> str:
    """The exact start time written in a session's file (it is near the top), or ""."""
    for path in (paths.snapshot, paths.backup):
        found = _STARTED.search(opened_head(path))
        if found:
            with contextlib.suppress(ValueError):
                return datetime.fromisoformat(found.group(1).decode()).astimezone(UTC).isoformat()
    return ""


def _start_order(directory: Path, ids: set[str]) -> list[str]:
    """Ids oldest first: by the second in the id, then (same second) by the exact start time."""
    by_second: dict[str, list[str]] = {}
    for session_id in ids:
        by_second.setdefault(id_stamp(session_id), []).append(session_id)
    ordered: list[str] = []
    for second in sorted(by_second):
        group = sorted(by_second[second])
        if len(group) > 1:
            group.sort(key=lambda sid: _started_at(StorePaths(directory, sid)))
        ordered.extend(group)
    return ordered


def _entry(found: ScannedSession) -> SessionEntry | None:
    """The entry of a scanned session, None for a ghost (files a crash left before anything
    durable was written, that no process holds)."""
    paths, folder = found.paths, found.folder
    # The live lock is in the session's folder: without one (or with a symlink there) nobody holds it.
    live = folder is not None and folder.kind == "directory" and is_held(paths.live)
    if not found.stored and not live:
        return None
    snapshot, backup = found.snapshot, found.backup
    size = (snapshot.size if snapshot else 0) + (backup.size if backup else 0) + found.journal_bytes
    # Only a regular file is opened to tell the old tool's files (never a FIFO, never through a symlink).
    legacy = folder is None and snapshot is not None and snapshot.regular and is_legacy_file(paths.snapshot)
    return SessionEntry(
        session_id=found.session_id,
        paths=paths,
        has_snapshot=snapshot is not None,
        has_backup=backup is not None,
        size=size,
        live=live,
        legacy=legacy,
    )


def list_sessions(data_dir: Path) -> list[SessionEntry]:
    """Every session in ``data_dir``, oldest first."""
    from .scan import scan_session_files  # ~1.5 ms of import: with the first listing

    scan = scan_session_files(data_dir)
    by_id = {found.session_id: found for found in scan.sessions}
    entries = (_entry(by_id[session_id]) for session_id in _start_order(scan.directory, set(by_id)))
    return [entry for entry in entries if entry is not None]


def read_current(data_dir: Path) -> str | None:
    """The id of the data directory's current session, or None (missing or malformed pointer)."""
    try:
        raw = filesystem().read_bytes(current_pointer(data_dir), _MAX_POINTER_BYTES)
    except OSError:
        return None
    try:
        return validate_session_id(raw.decode("ascii", "replace").strip())
    except InvalidSessionIdError:
        return None


def write_current(data_dir: Path, session_id: str) -> None:
    filesystem().make_private_dir(sessions_dir(data_dir))
    filesystem().write_atomic(current_pointer(data_dir), f"{validate_session_id(session_id)}\n".encode())


def remove_session(paths: StorePaths) -> None:
    """Delete a session's snapshot, backup and journals (snapshots first, so a half-removed
    session never looks like a damaged one)."""
    fs = filesystem()
    fs.unlink(paths.snapshot)
    fs.unlink(paths.backup)
    fs.remove_tree(paths.aux)


def remove_ghosts(data_dir: Path) -> list[str]:
    """Remove what a crash during ``start()`` can leave: a session folder with no snapshot, no
    backup and no journal, that no process holds."""
    removed = []
    from .scan import scan_session_files

    for found in scan_session_files(data_dir).sessions:
        paths = found.paths
        # Looked at again now, as before the scan: a session starting writes or locks in between.
        if found.folder is not None and not found.stored and not paths.exists() and not is_held(paths.live):
            filesystem().remove_tree(paths.aux)
            removed.append(found.session_id)
    return removed
