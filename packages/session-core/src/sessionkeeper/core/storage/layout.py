"""The data directory's layout — the one place that knows file names — and its cheap listing.

Files of a store named ``N`` in directory ``D``::

    D/N.json           snapshot (atomically replaced)
    D/N.json.bak       the snapshot before it, used when N.json is unreadable
    D/N.d/lock         journal lock (exclusive to publish an epoch) + the current epoch
    D/N.d/compact      held exclusively for a whole checkpoint: one compactor at a time
    D/N.d/live         held shared by every process that has the store open for writing
    D/N.d/identity     the id of a USER/APP store (see :mod:`.identity`)
    D/N.d/<epoch>.journal

Sessions are stores named by their id in ``<data dir>/sessions/``; :func:`scan_session_files`
lists them (names, kinds and sizes only: no file is opened, no lock probed, no symlink followed).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import attrs
import orjson

from sessionkeeper.core.errors import InvalidSessionIdError
from sessionkeeper.core.limits import MAX_EPOCH
from sessionkeeper.core.model.ids import validate_session_id

from .fs import filesystem

__all__ = [
    "FileKind",
    "FoundFile",
    "ScannedSession",
    "SessionScan",
    "StorePaths",
    "StrayFile",
    "current_pointer",
    "journal_context",
    "journal_epoch",
    "scan_session_files",
    "sessions_dir",
    "snapshot_context",
]

_SESSIONS, _CURRENT = "sessions", "current"
_SNAPSHOT, _BACKUP, _AUX, _JOURNAL = ".json", ".json.bak", ".d", ".journal"


def sessions_dir(data_dir: Path) -> Path:
    """The folder of a data directory's sessions."""
    return data_dir / _SESSIONS


def current_pointer(data_dir: Path) -> Path:
    """The file naming a data directory's current session."""
    return data_dir / _SESSIONS / _CURRENT


def journal_epoch(name: str) -> int | None:
    """The epoch of a journal named ``name`` in a store's folder, or None: not a journal's name."""
    stem, dot, suffix = name.partition(".")
    # An epoch past MAX_EPOCH was never published: a planted or damaged name, not a journal.
    if dot and suffix == _JOURNAL[1:] and stem.isdigit() and len(stem) <= 19 and int(stem) <= MAX_EPOCH:
        return int(stem)
    return None


@attrs.frozen
class StorePaths:
    """Where the files of one store live.

    ``shared_name``: the name is the same in every project or home directory (``app``, ``user``),
    so the store's identity is kept in its :attr:`identity` file (a session's name is its id).
    """

    directory: Path
    name: str
    shared_name: bool = False

    @property
    def snapshot(self) -> Path:
        return self.directory / f"{self.name}{_SNAPSHOT}"

    @property
    def backup(self) -> Path:
        return self.directory / f"{self.name}{_BACKUP}"

    @property
    def aux(self) -> Path:
        return self.directory / f"{self.name}{_AUX}"

    @property
    def lock(self) -> Path:
        return self.aux / "lock"

    @property
    def compact_lock(self) -> Path:
        return self.aux / "compact"

    @property
    def live(self) -> Path:
        return self.aux / "live"

    @property
    def identity(self) -> Path:
        """The id of a store with a shared name (see :mod:`.identity`)."""
        return self.aux / "identity"

    @property
    def last_save_error(self) -> Path:
        """Where the last failed checkpoint says why (removed by the next good one)."""
        return self.aux / "last-save-error"

    def read_last_save_error(self) -> str | None:
        """The message of the last failed checkpoint of this store, by any process, if any."""
        try:
            record = orjson.loads(filesystem().read_bytes(self.last_save_error, 64 << 10))
        except (OSError, orjson.JSONDecodeError):
            return None
        if isinstance(record, dict) and isinstance(record.get("error"), str):
            return f"{record.get('at', '?')}: {record['error']}"
        return None

    def journal(self, epoch: int) -> Path:
        return self.aux / f"{epoch:012d}{_JOURNAL}"

    def journal_epochs(self) -> list[int]:
        epochs = (journal_epoch(name) for name in filesystem().listdir(self.aux))
        return sorted(epoch for epoch in epochs if epoch is not None)

    def exists(self) -> bool:
        return self.snapshot.exists() or self.backup.exists() or bool(self.journal_epochs())


def snapshot_context(name: str) -> bytes:
    """What a snapshot (or its backup) of store ``name`` is bound to when sealed."""
    return b"snapshot\0" + name.encode()


def journal_context(name: str, store_id: str | None = None) -> bytes:
    """What each journal record of store ``name`` is bound to when sealed: the store's id too
    (journal format 2), except in its header and in format-1 journals (``store_id`` None)."""
    context = b"journal\0" + name.encode()
    return context if store_id is None else context + b"\0" + store_id.encode()


# -- the cheap listing of a sessions folder ----------------------------------------------------------
FileKind = Literal["file", "directory", "symlink", "other", "unknown"]
"""What a directory entry is, never following a symlink (``other``: a FIFO, a socket, a device;
``unknown``: it could not be looked at)."""

Role = Literal["snapshot", "backup", "journals"]
_NOT_AN_ID = "the file name is not a session id (session_YYYYMMDD_HHMMSS_<8 hex>)"
_DIR_FLAGS = (
    os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)


def _claim(name: str) -> tuple[str, Role] | None:
    """The store name and the role a file name in a sessions folder claims, if any."""
    if name.endswith(_SNAPSHOT):
        return name[: -len(_SNAPSHOT)], "snapshot"
    if name.endswith(_BACKUP):
        return name[: -len(_BACKUP)], "backup"
    if name.endswith(_AUX):
        return name[: -len(_AUX)], "journals"
    return None


@attrs.frozen
class FoundFile:
    """One directory entry a scan found, looked at without being opened or followed."""

    directory: Path
    name: str
    kind: FileKind
    size: int  # a regular file's size; 0 for anything else

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
            return FoundFile(directory, entry.name, "file", entry.stat(follow_symlinks=False).st_size)
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
                claim = None if name.startswith(".") else _claim(name)  # dot: an atomic write's temp file
                if claim is None:
                    continue  # "current", notes: nothing that claims to be a session's
                try:
                    session_id = validate_session_id(claim[0])
                except InvalidSessionIdError:
                    strays.append(StrayFile(name, claim[1], _NOT_AN_ID))
                    continue
                file = _found(entry, directory)
                if file is not None:
                    found.setdefault(session_id, {})[claim[1]] = file
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
