"""Where a store's files live, and the names its sealed files are bound to.

Files of a store named ``N`` in directory ``D``::

    D/N.json           snapshot (atomically replaced)
    D/N.json.bak       the snapshot before it, used when N.json is unreadable
    D/N.d/lock         journal lock (exclusive to publish an epoch) + the current epoch
    D/N.d/compact      held exclusively for a whole checkpoint: one compactor at a time
    D/N.d/live         held shared by every process that has the store open for writing
    D/N.d/identity     the id of a USER/APP store (see :mod:`.identity`)
    D/N.d/<epoch>.journal
"""

from __future__ import annotations

from pathlib import Path

import attrs
import orjson

from sessionkeeper.core.limits import MAX_EPOCH

from .fs import filesystem

__all__ = ["StorePaths", "journal_context", "snapshot_context"]


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
        return self.directory / f"{self.name}.json"

    @property
    def backup(self) -> Path:
        return self.directory / f"{self.name}.json.bak"

    @property
    def aux(self) -> Path:
        return self.directory / f"{self.name}.d"

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
        return self.aux / f"{epoch:012d}.journal"

    def journal_epochs(self) -> list[int]:
        epochs = []
        for name in filesystem().listdir(self.aux):
            stem, dot, suffix = name.partition(".")
            # An epoch past MAX_EPOCH was never published: a planted or damaged name, not a journal.
            if dot and suffix == "journal" and stem.isdigit() and len(stem) <= 19 and int(stem) <= MAX_EPOCH:
                epochs.append(int(stem))
        return sorted(epochs)

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
