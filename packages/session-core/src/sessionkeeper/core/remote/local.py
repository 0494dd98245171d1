"""The local side of a push: every store's files, read without a lock, as objects to send.

What is pushed is each file as it is on disk — the codec's bytes, never opened — so a restore
writes the same files back and the ordinary loader reads them (journal replay, backup fallback,
torn tails, identity checks and all). Per store: the snapshot, its backup and every journal there
is (the snapshot's ``journal_epoch`` says which of them a load replays).

* Snapshots and backups are replaced whole (atomic rename), so one read is one version; a file
  whose inode, size and modification time are those of the last push is not read again.
* Journals only grow. A journal is pushed as *segments*: the bytes appended since the last push,
  cut at the last whole record (an append in progress is left for the next push). A sealed journal
  (not the newest) whose end does not parse as records (damage) is pushed as it is.
* A checkpoint may replace the snapshot and delete journals while they are read: the snapshot is
  looked at again after the journals, and the store read again if it changed (so what is pushed is
  always a snapshot plus every journal a load of it needs).

* The history archive (``history/<id>~<from>-<until>.json``: sealed files retention writes whole,
  by atomic rename, and never changes) is pushed one store per file (kind ``history``, named by the
  file): each file whole, with the same inode/size/mtime cache as snapshots, so an archive already
  pushed costs a ``stat`` per file. One store per file, because archive files are independent and
  never rewritten: one archived before encryption was switched on (key migration does not re-seal
  the archive) is skipped and named alone instead of holding back every other archived session.

With encryption required, a file that is not encrypted (a plain snapshot, a journal whose header is
plain: a store written before encryption was switched on and not yet migrated) is not pushed: its
store is skipped and named, and nothing of it leaves the machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import attrs

from sessionkeeper.core.codec.envelope import inspect_envelope
from sessionkeeper.core.errors import StorageError
from sessionkeeper.core.storage import catalog, journal, records
from sessionkeeper.core.storage.fs import filesystem
from sessionkeeper.core.storage.history import list_history
from sessionkeeper.core.storage.layout import StorePaths
from sessionkeeper.core.storage.locks import is_held, read_end_in_place
from sessionkeeper.core.storage.scan import scan_session_files

from .documents import FileRef, Part, StoreEntry, StoreKind
from .state import JournalProgress, PushState

__all__ = [
    "Blob",
    "LocalStore",
    "MemoryBudget",
    "StorePlan",
    "iter_blobs",
    "local_stores",
    "plan_store",
]

_READ_LIMIT = 1 << 30  # no store file is larger (a load reads at most max_store_bytes, ≤ 60 MiB values)
_RETRIES = 5  # a store read again this often while checkpoints replace its snapshot under us


@attrs.frozen
class LocalStore:
    """A store to push: ``root`` is the folder its files are relative to in the index. A history
    archive file is no store on disk: it has its ``file`` instead of ``paths``."""

    kind: StoreKind
    name: str
    store_paths: StorePaths | None
    root: Path
    file: Path | None = None

    @property
    def paths(self) -> StorePaths:
        """Where the files of a session, APP or USER store live (not for a history file)."""
        if self.store_paths is None:
            raise ValueError(f"{self.kind} {self.name} is not a store on disk")
        return self.store_paths


@attrs.frozen
class Blob:
    """An object to send: its digest, size, and where its bytes are — kept in memory (``data``),
    or read again from ``path`` at ``start`` when sent (past the push's memory budget)."""

    digest: str
    size: int
    data: bytes | None
    path: Path
    start: int = 0

    def content(self) -> bytes:
        """The object's bytes; read again (and hashed again) if they were not kept. A file replaced
        or cut since it was planned is a :class:`StorageError`: the next push plans it anew."""
        if self.data is not None:
            return self.data
        try:
            data = filesystem().read_range(self.path, self.start, self.start + self.size)
        except FileNotFoundError:
            data = b""
        if len(data) != self.size or hashlib.sha256(data).hexdigest() != self.digest:
            raise StorageError(
                0, f"{self.path.name} changed while it was pushed; the next push sends it as it is then"
            )
        return data


class MemoryBudget:
    """How many bytes of a push's objects may be held in memory while it runs (the rest are read
    again when sent): a push of a large archive or many sessions stays within it."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, size: int) -> bool:
        if size > self.left:
            return False
        self.left -= size
        return True


@attrs.define
class StorePlan:
    """One store as it will be pushed: its index entry and the objects not yet on the remote."""

    entry: StoreEntry
    blobs: list[Blob]
    progress: dict[str, JournalProgress]  # journal path -> what will be on the remote after this push
    files: dict[str, tuple[int, int, int, str]]  # whole-file digests (cache for the next push)
    skipped: str | None = None  # why the store is not pushed (not encrypted), if it is not
    budget: MemoryBudget | None = None  # None: every object's bytes kept

    def add(self, digest: str, data: bytes, path: Path, start: int = 0) -> None:
        """An object to send (its bytes kept while the budget lasts)."""
        kept = self.budget is None or self.budget.take(len(data))
        self.blobs.append(Blob(digest, len(data), data if kept else None, path, start))


def local_stores(data_dir: Path, user_dir: Path | None) -> list[LocalStore]:
    """The stores of a data directory (sessions, the history archive's files, then APP) and of a
    user directory (USER)."""
    # Names only (scan_session_files opens nothing): list_sessions would open every snapshot to
    # order them by start, a cost a push does not need (the index is sorted by id).
    stores = [
        LocalStore("session", found.session_id, catalog.session_paths(data_dir, found.session_id), data_dir)
        for found in scan_session_files(data_dir).sessions
        if found.stored
    ]
    # The latest file of each archived session (list_history opens nothing; an older copy a killed
    # retention left, a temp file or a stray is not pushed).
    stores += [
        LocalStore("history", file.path.name, None, data_dir, file.path)
        for file in sorted(list_history(data_dir).files, key=lambda file: file.path.name)
    ]
    for kind, paths, root in (
        ("app", catalog.app_store_paths(data_dir), data_dir),
        ("user", catalog.user_store_paths(user_dir) if user_dir else None, user_dir),
    ):
        if paths is not None and root is not None and paths.exists():
            stores.append(LocalStore(kind, kind, paths, root))  # type: ignore[arg-type]
    return stores


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        info = filesystem().read_head(path, 0)[1]
    except FileNotFoundError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


def _encrypted_journal(head: bytes) -> bool:
    payload = journal.first_payload(head)
    return payload is not None and inspect_envelope(payload).encrypted


def plan_store(
    store: LocalStore, state: PushState, *, require_encryption: bool, budget: MemoryBudget | None = None
) -> StorePlan:
    """What pushing ``store`` now takes (see the module docstring); reads files, sends nothing.
    Objects' bytes are kept in memory while ``budget`` lasts (None: always)."""
    if store.kind == "history":
        return _archive_file(store, state, require_encryption, budget)
    for _ in range(_RETRIES):
        before = _stat(store.paths.snapshot)
        plan = _read_store(store, state, require_encryption, budget)
        if plan.skipped is not None or _stat(store.paths.snapshot) == before:
            return plan
    raise StorageError(0, f"{store.name} kept changing while it was read for a push; try again")


def _archive_file(
    store: LocalStore, state: PushState, require_encryption: bool, budget: MemoryBudget | None
) -> StorePlan:
    """A history archive file, whole (never changed once written: one read is the file). Expired
    since it was listed: a store without files, which readers pass over."""
    plan = StorePlan(StoreEntry(store.kind, store.name, ()), [], {}, {}, budget=budget)
    assert store.file is not None
    ref = _whole_file(store.file, store, state, plan, require_encryption)
    if ref is not None:
        plan.entry = StoreEntry(store.kind, store.name, (ref,))
    return plan


def _read_store(
    store: LocalStore, state: PushState, require_encryption: bool, budget: MemoryBudget | None
) -> StorePlan:
    plan = StorePlan(StoreEntry(store.kind, store.name, ()), [], {}, {}, budget=budget)
    files: list[FileRef] = []
    paths = store.paths
    whole: tuple[Path, ...] = (paths.snapshot, paths.backup)
    if store.kind == "user":
        whole += (paths.aux / "sync",)  # its sync document (see .user_sync): stamps for a pull
    for path in whole:
        ref = _whole_file(path, store, state, plan, require_encryption)
        if plan.skipped is not None:
            return plan
        if ref is not None:
            files.append(ref)
    epochs = paths.journal_epochs() if paths.aux.is_dir() else []
    live = bool(epochs) and is_held(paths.live)
    for position, epoch in enumerate(epochs):
        # A journal a live writer writes in place: only what is before its logical end is written
        # whole (a record being written there already has its full length of reserved zeros).
        written = read_end_in_place(paths.lock, epoch) if live else None
        ref = _journal(
            paths.journal(epoch), store, state, plan, require_encryption, position == len(epochs) - 1, written
        )
        if plan.skipped is not None:
            return plan
        if ref is not None:
            files.append(ref)
    plan.entry = StoreEntry(store.kind, store.name, tuple(files))
    return plan


def _whole_file(
    path: Path, store: LocalStore, state: PushState, plan: StorePlan, require_encryption: bool
) -> FileRef | None:
    relative = _relative(path, store.root)
    seen = _stat(path)
    if seen is None:
        return None
    cached = state.files.get(relative)
    if cached is not None and cached[:3] == seen and cached[3] in state.known:
        plan.files[relative] = cached
        return FileRef(relative, (Part(cached[3], seen[1]),))
    try:
        data = filesystem().read_bytes(path, _READ_LIMIT)
    except FileNotFoundError:  # replaced or removed meanwhile: plan_store reads the store again
        return None
    if require_encryption and not inspect_envelope(data).encrypted:
        plan.skipped = f"{path.name} is not encrypted (written before encryption was switched on?)"
        return None
    digest = hashlib.sha256(data).hexdigest()
    plan.files[relative] = (*seen, digest)
    if digest not in state.known:
        plan.add(digest, data, path)
    return FileRef(relative, (Part(digest, len(data)),))


def _journal(
    path: Path,
    store: LocalStore,
    state: PushState,
    plan: StorePlan,
    require_encryption: bool,
    newest: bool,
    written: int | None = None,
) -> FileRef | None:
    relative = _relative(path, store.root)
    seen = _stat(path)
    if seen is None:
        return None
    inode, size, _ = seen
    if written is not None:
        size = min(size, written)
    done = state.journals.get(relative)
    if done is None or done.inode != inode or done.size > size:
        done = JournalProgress(inode, 0, [])
    parts = list(done.parts)
    if size > done.size:
        try:
            fresh = filesystem().read_range(path, done.size, size)
        except FileNotFoundError:
            return None
        if done.size == 0 and require_encryption and not _encrypted_journal(fresh):
            if journal.header_length(fresh) is None and newest:
                return None  # a journal being created: its header is not whole yet
            plan.skipped = f"{path.name} is not encrypted (written before encryption was switched on?)"
            return None
        whole, complete = records.whole_records(fresh)
        if not complete and not newest and whole < len(fresh):
            whole = len(fresh)  # a sealed journal that does not parse to its end: push it as it is
        if whole:
            segment = fresh[:whole]
            digest = hashlib.sha256(segment).hexdigest()
            parts.append((digest, whole))
            if digest not in state.known:
                plan.add(digest, segment, path, done.size)
        done = JournalProgress(inode, done.size + whole, parts)
    plan.progress[relative] = done
    if not parts:
        return None
    return FileRef(relative, tuple(Part(digest, length) for digest, length in parts))


def iter_blobs(plans: list[StorePlan]) -> Iterator[Blob]:
    """Every object to send, once each, in store order (data of one store together)."""
    seen: set[str] = set()
    for plan in plans:
        for blob in plan.blobs:
            if blob.digest not in seen:
                seen.add(blob.digest)
                yield blob
