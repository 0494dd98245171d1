"""The sessions of a data directory: listing, the "current session" pointer, and retention."""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path

import attrs

from .errors import InvalidSessionIdError
from .fs import filesystem
from .ids import validate_session_id
from .locks import is_held
from .store import StorePaths

__all__ = [
    "SessionEntry",
    "app_store_paths",
    "clear_current",
    "list_sessions",
    "prune_sessions",
    "read_current",
    "remove_session",
    "session_paths",
    "sessions_dir",
    "user_store_paths",
    "write_current",
]

_CURRENT = "current"
_MAX_POINTER_BYTES = 256


def sessions_dir(data_dir: Path) -> Path:
    return data_dir / "sessions"


def app_store_paths(data_dir: Path) -> StorePaths:
    """The APP scope's store of a data directory."""
    return StorePaths(data_dir, "app")


def user_store_paths(user_dir: Path) -> StorePaths:
    """The USER scope's store of a user directory."""
    return StorePaths(user_dir, "user")


def session_paths(data_dir: Path, session_id: str) -> StorePaths:
    """The files of a session; raises :class:`InvalidSessionIdError` for a malformed id."""
    return StorePaths(sessions_dir(data_dir), validate_session_id(session_id))


@attrs.frozen
class SessionEntry:
    """One session found in a data directory (nothing is read but its file names and sizes)."""

    session_id: str
    paths: StorePaths
    has_snapshot: bool
    has_backup: bool
    size: int
    live: bool

    @property
    def started_hint(self) -> datetime:
        """Local start time as encoded in the id (the file itself says it exactly)."""
        return datetime.strptime(self.session_id[8:23], "%Y%m%d_%H%M%S")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def list_sessions(data_dir: Path) -> list[SessionEntry]:
    """Every session in ``data_dir``, oldest first (ids sort by their start time)."""
    directory = sessions_dir(data_dir)
    ids: set[str] = set()
    for name in filesystem().listdir(directory):
        stem = name.removesuffix(".json.bak").removesuffix(".json").removesuffix(".d")
        with contextlib.suppress(InvalidSessionIdError):
            ids.add(validate_session_id(stem))
    entries = []
    for session_id in sorted(ids):
        paths = StorePaths(directory, session_id)
        journals = sum(_size(paths.journal(e)) for e in paths.journal_epochs())
        entries.append(
            SessionEntry(
                session_id=session_id,
                paths=paths,
                has_snapshot=paths.snapshot.exists(),
                has_backup=paths.backup.exists(),
                size=_size(paths.snapshot) + _size(paths.backup) + journals,
                live=is_held(paths.live),
            )
        )
    return entries


def read_current(data_dir: Path) -> str | None:
    """The id of the data directory's current session, or None (missing or malformed pointer)."""
    try:
        raw = filesystem().read_bytes(sessions_dir(data_dir) / _CURRENT, _MAX_POINTER_BYTES)
    except OSError:
        return None
    try:
        return validate_session_id(raw.decode("ascii", "replace").strip())
    except InvalidSessionIdError:
        return None


def write_current(data_dir: Path, session_id: str) -> None:
    directory = sessions_dir(data_dir)
    filesystem().make_private_dir(directory)
    filesystem().write_atomic(directory / _CURRENT, f"{validate_session_id(session_id)}\n".encode())


def clear_current(data_dir: Path) -> None:
    filesystem().unlink(sessions_dir(data_dir) / _CURRENT)


def remove_session(paths: StorePaths) -> None:
    """Delete a session's snapshot, backup and journals (snapshots first, so a half-removed
    session never looks like a damaged one)."""
    fs = filesystem()
    fs.unlink(paths.snapshot)
    fs.unlink(paths.backup)
    fs.remove_tree(paths.aux)


def prune_sessions(data_dir: Path, max_sessions: int, protect: set[str]) -> list[str]:
    """Remove the oldest sessions beyond ``max_sessions``; never a protected or live one."""
    entries = list_sessions(data_dir)
    excess = len(entries) - max_sessions
    removed: list[str] = []
    current = read_current(data_dir)
    for entry in entries:
        if excess <= 0:
            break
        if entry.session_id in protect or entry.session_id == current or entry.live:
            continue
        remove_session(entry.paths)
        removed.append(entry.session_id)
        excess -= 1
    return removed
