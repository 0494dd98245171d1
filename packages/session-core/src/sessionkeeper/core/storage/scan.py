"""The cheap listing of a sessions folder: names, kinds and sizes only — no file is opened, no lock
probed, no symlink followed. What each name means is :mod:`.layout`'s; this module only looks.

Imported by the first listing (``list_sessions``, retention, the analyzer), not with the package.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import attrs

from sessionkeeper.core.errors import InvalidSessionIdError
from sessionkeeper.core.model.ids import validate_session_id

from .layout import Role, StorePaths, claim, journal_epoch, sessions_dir

__all__ = ["FileKind", "FoundFile", "ScannedSession", "SessionScan", "StrayFile", "scan_session_files"]

_NOT_AN_ID = "the file name is not a session id (session_YYYYMMDD_HHMMSS_<8 hex>)"
_DIR_FLAGS = (
    os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)


FileKind = Literal["file", "directory", "symlink", "other", "unknown"]
"""What a directory entry is, never following a symlink (``other``: a FIFO, a socket, a device;
``unknown``: it could not be looked at)."""


@attrs.frozen
class FoundFile:
    """One directory entry a scan found, looked at without being opened or followed."""

    directory: Path
    name: str
    kind: FileKind
    size: int  # a regular file's size; 0 for anything else
    # A regular file's mtime (not compared: what a scan found is named by the rest): a journal
    # written in place (fsync="always") changes without growing.
    modified_ns: int = attrs.field(default=0, eq=False)

    @property
    def path(self) -> Path:
        return self.directory / self.name

    @property
    def regular(self) -> bool:
        return self.kind == "file"


@attrs.frozen
class ScannedSession:
    """The files of one session as a scan found them (each None when there is none)."""

    session_id: str
    directory: Path
    snapshot: FoundFile | None
    backup: FoundFile | None
    folder: FoundFile | None  # the store's folder: locks, identity, journals
    journals: tuple[tuple[int, FoundFile], ...] = ()  # (epoch, file), oldest first; never through a symlink
    folder_error: str | None = None  # why the folder, a directory, could not be listed

    @property
    def paths(self) -> StorePaths:
        return StorePaths(self.directory, self.session_id)

    @property
    def stored(self) -> bool:
        """Whether anything durable was written: a snapshot, a backup or a journal (files a crash
        can leave behind before that are a ghost, see ``catalog.remove_ghosts``)."""
        return self.snapshot is not None or self.backup is not None or bool(self.journals)

    @property
    def first_file(self) -> FoundFile:
        """The file that names the session to a reader: its snapshot, else its backup, else its folder."""
        found = self.snapshot or self.backup or self.folder
        assert found is not None  # a scan lists no session without one
        return found

    @property
    def journal_bytes(self) -> int:
        return sum(file.size for _, file in self.journals) if self.journals else 0


@attrs.frozen
class StrayFile:
    """An entry named like a session's file whose name is not a session id: never read by core."""

    name: str
    role: Role  # what its name claims it is
    reason: str


@attrs.frozen
class SessionScan:
    """What :func:`scan_session_files` found in a sessions folder."""

    directory: Path
    sessions: tuple[ScannedSession, ...]  # by id
    strays: tuple[StrayFile, ...]  # by name


def _found(entry: os.DirEntry[str], directory: Path) -> FoundFile | None:
    """``entry`` of ``directory`` as a :class:`FoundFile` (None: removed since it was listed)."""
    try:
        if entry.is_symlink():
            return FoundFile(directory, entry.name, "symlink", 0)
        if entry.is_dir(follow_symlinks=False):
            return FoundFile(directory, entry.name, "directory", 0)
        if entry.is_file(follow_symlinks=False):
            info = entry.stat(follow_symlinks=False)
            return FoundFile(directory, entry.name, "file", info.st_size, info.st_mtime_ns)
        return FoundFile(directory, entry.name, "other", 0)
    except FileNotFoundError:
        return None
    except OSError:  # no permission to look at it...
        return FoundFile(directory, entry.name, "unknown", 0)


def _scan_journals(folder: Path) -> tuple[list[tuple[int, FoundFile]], str | None]:
    """The journals in a store's folder, by epoch; the folder is opened without following a
    symlink put in its place since it was listed."""
    journals: list[tuple[int, FoundFile]] = []
    try:
        if os.scandir not in os.supports_fd:  # pragma: no cover - not POSIX
            with os.scandir(folder) as entries:
                journals = _journals_in(entries, folder)
        else:
            fd = os.open(folder, _DIR_FLAGS)
            try:
                with os.scandir(fd) as entries:
                    journals = _journals_in(entries, folder)
            finally:
                os.close(fd)
    except FileNotFoundError:
        return [], None
    except OSError as exc:
        return [], f"cannot list {folder.name}: {exc.strerror or exc}"
    journals.sort(key=lambda item: item[0])
    return journals, None


def _journals_in(entries: Iterable[os.DirEntry[str]], folder: Path) -> list[tuple[int, FoundFile]]:
    found = []
    for entry in entries:
        epoch = journal_epoch(entry.name)
        if epoch is not None and (file := _found(entry, folder)) is not None:
            found.append((epoch, file))
    return found


def scan_session_files(data_dir: Path) -> SessionScan:
    """The sessions of ``data_dir`` and the stray files in their folder, from directory entries
    alone: names, kinds and sizes, and the journals in each session's folder. Nothing is opened
    but folders, no lock is probed, no symlink in the folder is followed (one stands as a
    ``symlink`` entry; the sessions folder itself may be one, as the data directory may).

    Names starting with a dot (core's temporary files) and names that do not end like a session's
    file are left out. Empty if there is no sessions folder; raises :class:`OSError` if it cannot
    be listed.
    """
    directory = sessions_dir(data_dir)
    found: dict[str, dict[Role, FoundFile]] = {}
    strays: list[StrayFile] = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                name = entry.name
                claimed = None if name.startswith(".") else claim(name)  # dot: an atomic write's temp
                if claimed is None:
                    continue  # "current", notes: nothing that claims to be a session's
                try:
                    session_id = validate_session_id(claimed[0])
                except InvalidSessionIdError:
                    strays.append(StrayFile(name, claimed[1], _NOT_AN_ID))
                    continue
                file = _found(entry, directory)
                if file is not None:
                    found.setdefault(session_id, {})[claimed[1]] = file
    except FileNotFoundError:
        return SessionScan(directory, (), ())
    sessions = []
    for session_id in sorted(found):
        files = found[session_id]
        folder = files.get("journals")
        if folder is None or folder.kind != "directory":
            scanned = ScannedSession(
                session_id, directory, files.get("snapshot"), files.get("backup"), folder
            )
        else:
            journals, error = _scan_journals(folder.path)
            scanned = ScannedSession(
                session_id,
                directory,
                files.get("snapshot"),
                files.get("backup"),
                folder,
                tuple(journals),
                error,
            )
        sessions.append(scanned)
    strays.sort(key=lambda stray: stray.name)
    return SessionScan(directory, tuple(sessions), tuple(strays))
