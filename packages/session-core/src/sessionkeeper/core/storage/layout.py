"""The data directory's layout: the one place that knows file names.

Files of a store named ``N`` in directory ``D``::

    D/N.json           snapshot (atomically replaced)
    D/N.json.bak       the snapshot before it, used when N.json is unreadable
    D/N.d/lock         journal lock (exclusive to publish an epoch) + the current epoch
    D/N.d/compact      held exclusively for a whole checkpoint: one compactor at a time
    D/N.d/live         held shared by every process that has the store open for writing
    D/N.d/identity     the id of a USER/APP store (see :mod:`.identity`)
    D/N.d/<epoch>.journal

Sessions are stores named by their id in ``<data dir>/sessions/``; :func:`claim` says what a name
in that folder is for, and :mod:`.scan` lists the folder.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import attrs
import orjson

from sessionkeeper.core.limits import MAX_EPOCH

from .fs import filesystem

__all__ = [
    "Role",
    "StorePaths",
    "claim",
    "current_pointer",
    "journal_context",
    "journal_epoch",
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
    def corrupt(self) -> Path:
        """Where an unreadable snapshot is kept for inspection when a checkpoint replaces it."""
        return self.directory / f"{self.name}{_SNAPSHOT}.corrupt"

    def is_snapshot_temp(self, name: str) -> bool:
        """Whether ``name`` (in :attr:`directory`) is a temp file of this store's atomic writes."""
        return name.startswith(f".{self.name}{_SNAPSHOT}") and name.endswith(".tmp")

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

    def journal_modified_at(self, epoch: int) -> datetime | None:
        """When journal ``epoch`` was last written (the file system's clock; None: there is none)."""
        try:
            return datetime.fromtimestamp(self.journal(epoch).lstat().st_mtime, UTC)
        except OSError:
            return None

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


Role = Literal["snapshot", "backup", "journals"]
"""What a file in a sessions folder is for, by its name."""


def claim(name: str) -> tuple[str, Role] | None:
    """The store name and the role a file name in a sessions folder claims, if any."""
    if name.endswith(_SNAPSHOT):
        return name[: -len(_SNAPSHOT)], "snapshot"
    if name.endswith(_BACKUP):
        return name[: -len(_BACKUP)], "backup"
    if name.endswith(_AUX):
        return name[: -len(_AUX)], "journals"
    return None
