"""A fault-injecting :class:`FileSystem` for tests: I/O errors, torn writes and power loss.

Install it with ``previous = use_filesystem(FaultyFileSystem(root))`` *before* a manager is made
(a ``StoreWriter`` keeps the file system it was built with) and put ``previous`` back afterwards.

Write points
    Every call of a writing method (``make_private_dir``, ``fsync_dir``, ``remove_tree``,
    ``keep_backup``, ``replace``, ``unlink``, ``create_exclusive``, ``open_append``,
    ``open_in_place``, ``open_lockfile``, ``write_all``, ``append``, ``write_at``, ``allocate``,
    ``fsync``, ``truncate``) is a *write point*,
    numbered from 0 in the order the calls start and logged in :attr:`FaultyFileSystem.points`.
    ``write_atomic`` is not a point itself: it is made of points (create, write, fsync, backup,
    replace, fsync of the directory). A test first runs an operation with no fault armed to learn
    its points, then runs it again once per point.

Faults
    * :meth:`fail_at` makes the point with a given number raise ``OSError(errno)`` instead of
      running (path operations carry the file name, descriptor operations do not, as from the OS);
      with ``torn=True`` a ``write_all``/``append``/``write_at`` first writes half of its bytes.
    * :meth:`fail_kind` makes every call of one kind fail (a disk that stays full);
      ``"read_bytes"`` may be given too, although reads are not write points.
    * :meth:`crash_after` cuts the power right after the point with that number has run: it raises
      :class:`PowerCut` (a ``BaseException``, so no ``except OSError`` in the code under test can
      swallow it), and from then on every write point raises :class:`PowerCut` without running.
      The process is dead: the test abandons the manager and calls :meth:`power_loss`.

Power-loss model (what survives is what an fsync made durable, like LevelDB/RocksDB's
FaultInjectionTestFS)
    * A file (an inode: hard links share one) has *durable content*: its bytes as of the start of
      its last successful ``fsync``; a file created under the fault FS starts with ``b""``.
    * A directory has *durable entries*: the names it held (each bound to its inode, or marked as
      a sub-directory) at its last successful ``fsync_dir``; a directory created under the fault FS
      and never fsynced has none. Creates, renames, links and unlinks in a directory are undone by
      a power loss until that directory is fsynced.
    * Everything under ``root`` that exists when the FS is made (or right after a power loss) is
      durable. A regular file met for the first time at an ``fsync_dir`` (written by the test or
      by code that bypasses this layer) is taken as durable with its current bytes.
    * ``mkdir_is_durable=True`` makes each directory ``make_private_dir`` creates durable in its
      parent at once (what journaling file systems do in practice); by default a new directory,
      and everything in it, survives only once its parent directory is fsynced (POSIX).
    * :meth:`power_loss` rewrites the real tree under ``root`` to the durable state: directories
      get exactly their durable entries (others are removed), every file gets its durable bytes
      (so an un-fsynced rename over a file whose entry was durable brings the old file back, and
      a file whose creation was never made durable disappears). Descriptors it handed out that
      are still open are closed (the process is gone). The durable state then becomes the new
      baseline and the FS accepts writes again.

It is a test tool: it reads a file back on every ``fsync``, keeps every durable byte in memory, and
is exact only for a single writing process. It relies on ``/proc/self/fd``. Since durability is
modelled, the real ``fsync``/``fdatasync`` calls are skipped unless ``real_fsync=True`` (they cost
milliseconds each and would make running every point of every operation slow).
"""

from __future__ import annotations

import contextlib
import errno as errnos
import functools
import os
import shutil
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeAlias, TypeVar

from sessionkeeper.core.storage.fs import FileSystem

__all__ = ["ERRNOS", "WRITE_POINTS", "FaultyFileSystem", "PowerCut", "WritePoint"]

ERRNOS: Final = {"ENOSPC": errnos.ENOSPC, "EIO": errnos.EIO, "EACCES": errnos.EACCES}

WRITE_POINTS: Final = frozenset(
    {
        "make_private_dir",
        "fsync_dir",
        "remove_tree",
        "keep_backup",
        "replace",
        "unlink",
        "create_exclusive",
        "open_append",
        "open_in_place",
        "open_lockfile",
        "write_all",
        "append",
        "write_at",
        "allocate",
        "fsync",
        "truncate",
    }
)
_INJECTABLE: Final = WRITE_POINTS | {"read_bytes"}

T = TypeVar("T")


class PowerCut(BaseException):
    """The power went off at a write point; nothing runs any more until :meth:`power_loss`."""


@dataclass(frozen=True)
class WritePoint:
    """One write point that was reached: its number, method and what it touched."""

    index: int
    kind: str
    target: str

    def __str__(self) -> str:
        return f"#{self.index} {self.kind}({self.target})"


@dataclass(frozen=True)
class _Fault:
    errno: int
    torn: bool


class _Inode:
    """One file's identity in the model, shared by its hard links."""

    __slots__ = ("durable",)

    def __init__(self, durable: bytes) -> None:
        self.durable = durable


class _Dir:
    """Marks a directory entry that is a sub-directory."""


_DIR: Final = _Dir()
_Entry: TypeAlias = _Inode | _Dir
_Key: TypeAlias = tuple[int, int]  # (st_dev, st_ino)


def _oserror(code: int, filename: object = None, filename2: object = None) -> OSError:
    if filename is None:
        return OSError(code, os.strerror(code))
    second = None if filename2 is None else str(filename2)
    return OSError(code, os.strerror(code), str(filename), None, second)


def _read_path(path: Path) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return b""


class FaultyFileSystem(FileSystem):
    """The real file system, plus numbered write points, injected errors and power loss.

    See the module docstring for the model. Thread-safe enough for a background fsync thread.
    """

    def __init__(self, root: Path, *, mkdir_is_durable: bool = False, real_fsync: bool = False) -> None:
        self.root = Path(os.path.abspath(root))
        self.mkdir_is_durable = mkdir_is_durable
        self.real_fsync = real_fsync
        self.points: list[WritePoint] = []
        self.crashed = False
        self._lock = threading.RLock()
        self._fail_at: dict[int, _Fault] = {}
        self._fail_kind: dict[str, _Fault] = {}
        self._crash_after: int | None = None
        self._inodes: dict[_Key, _Inode] = {}
        self._durable_dirs: dict[Path, dict[str, _Entry]] = {}
        self._handed: dict[int, _Key] = {}  # descriptors opened here, closed by a power loss
        self.root.mkdir(parents=True, exist_ok=True)
        self._baseline()

    # -- arming faults ------------------------------------------------------------------------------
    @property
    def count(self) -> int:
        """How many write points have been reached so far (the number the next one gets)."""
        return len(self.points)

    def fail_at(self, index: int, errno: int, *, torn: bool = False) -> None:
        """Make write point ``index`` raise ``OSError(errno)`` (after writing half, if ``torn``)."""
        self._fail_at[index] = _Fault(errno, torn)

    def fail_kind(self, kind: str, errno: int, *, torn: bool = False) -> None:
        """Make every call of ``kind`` (a write point name or ``"read_bytes"``) fail."""
        if kind not in _INJECTABLE:
            raise ValueError(f"unknown kind {kind!r}; use one of {sorted(_INJECTABLE)}")
        self._fail_kind[kind] = _Fault(errno, torn)

    def crash_after(self, index: int) -> None:
        """Cut the power right after write point ``index`` has run."""
        self._crash_after = index

    def clear_faults(self) -> None:
        """Disarm every error and crash (a dead FS stays dead until :meth:`power_loss`)."""
        self._fail_at.clear()
        self._fail_kind.clear()
        self._crash_after = None

    def points_since(self, start: int) -> list[WritePoint]:
        return self.points[start:]

    # -- bookkeeping ----------------------------------------------------------------------------------
    def _enter(self, kind: str, target: object) -> tuple[int, _Fault | None]:
        with self._lock:
            if self.crashed:
                raise PowerCut(f"{kind}({target}) after the power was cut")
            index = len(self.points)
            self.points.append(WritePoint(index, kind, str(target)))
            fault = self._fail_at.pop(index, None) or self._fail_kind.get(kind)
            return index, fault

    def _leave(self, index: int, cleanup: Callable[[], None] | None = None) -> None:
        if self._crash_after != index:
            return
        with self._lock:
            self.crashed = True
        if cleanup is not None:
            cleanup()
        raise PowerCut(f"power cut after write point {self.points[index]}")

    def _point(self, kind: str, target: object, run: Callable[[], T], *paths: object) -> T:
        """Run one path-based write point: count it, maybe fail it, run it, maybe crash after it."""
        index, fault = self._enter(kind, target)
        if fault is not None:
            raise _oserror(fault.errno, *(paths or (target,)))
        result = run()
        self._leave(index)
        return result

    def _within(self, path: Path) -> bool:
        return path == self.root or self.root in path.parents

    def _inode_of(self, st: os.stat_result, read: Callable[[], bytes]) -> _Inode:
        key = (st.st_dev, st.st_ino)
        inode = self._inodes.get(key)
        if inode is None:  # made outside this layer: taken as durable as it is
            inode = self._inodes[key] = _Inode(read())
        return inode

    def _new_inode(self, fd: int) -> None:
        st = os.fstat(fd)
        with self._lock:
            self._inodes[(st.st_dev, st.st_ino)] = _Inode(b"")

    def _scan(self, directory: Path) -> dict[str, _Entry]:
        entries: dict[str, _Entry] = {}
        for name in os.listdir(directory):
            path = directory / name
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(st.st_mode):
                entries[name] = _DIR
            elif stat.S_ISREG(st.st_mode):
                entries[name] = self._inode_of(st, functools.partial(_read_path, path))
        return entries

    def _baseline(self) -> None:
        """Take everything under ``root`` as durable, as it is now."""
        self._inodes.clear()
        self._durable_dirs.clear()
        for directory, _dirs, _files in os.walk(self.root):
            self._durable_dirs[Path(directory)] = self._scan(Path(directory))

    # -- directories ----------------------------------------------------------------------------------
    def make_private_dir(self, path: Path) -> None:
        path = Path(os.path.abspath(path))
        missing = [p for p in (path, *path.parents) if not p.exists()]

        def run() -> None:
            super(FaultyFileSystem, self).make_private_dir(path)
            if self.mkdir_is_durable:
                with self._lock:
                    for created in missing:
                        if self._within(created.parent):
                            self._durable_dirs.setdefault(created.parent, {})[created.name] = _DIR

        self._point("make_private_dir", path, run)

    def fsync_dir(self, path: Path) -> None:
        path = Path(os.path.abspath(path))

        def run() -> None:
            with self._lock:  # entries are taken as of the start of the fsync
                entries = self._scan(path) if self._within(path) else None
            if self.real_fsync:
                super(FaultyFileSystem, self).fsync_dir(path)
            else:
                os.close(os.open(path, os.O_RDONLY))  # still fails like the real one on a bad path
            if entries is not None:
                with self._lock:
                    self._durable_dirs[path] = entries

        self._point("fsync_dir", path, run)

    def remove_tree(self, path: Path) -> None:
        self._point("remove_tree", path, lambda: super(FaultyFileSystem, self).remove_tree(path))

    # -- whole files ----------------------------------------------------------------------------------
    def read_bytes(self, path: Path, limit: int) -> bytes:
        fault = self._fail_kind.get("read_bytes")
        if fault is not None:
            raise _oserror(fault.errno, path)
        return super().read_bytes(path, limit)

    def keep_backup(self, path: Path, backup: Path) -> None:
        self._point("keep_backup", backup, lambda: super(FaultyFileSystem, self).keep_backup(path, backup))

    def replace(self, src: Path, dst: Path) -> None:
        self._point("replace", dst, lambda: super(FaultyFileSystem, self).replace(src, dst), src, dst)

    def unlink(self, path: Path) -> None:
        self._point("unlink", path, lambda: super(FaultyFileSystem, self).unlink(path))

    # -- descriptors ----------------------------------------------------------------------------------
    def _open(self, kind: str, path: Path, opener: Callable[[Path], int]) -> int:
        index, fault = self._enter(kind, path)
        if fault is not None:
            raise _oserror(fault.errno, path)
        existed = os.path.lexists(path)
        fd = opener(path)
        if not existed:
            self._new_inode(fd)
        st = os.fstat(fd)
        with self._lock:
            self._handed[fd] = (st.st_dev, st.st_ino)
        self._leave(index, cleanup=lambda: os.close(fd))
        return fd

    def create_exclusive(self, path: Path) -> int:
        return self._open("create_exclusive", path, super().create_exclusive)

    def open_append(self, path: Path) -> int:
        return self._open("open_append", path, super().open_append)

    def open_in_place(self, path: Path) -> int:
        return self._open("open_in_place", path, super().open_in_place)

    def open_lockfile(self, path: Path) -> int:
        return self._open("open_lockfile", path, super().open_lockfile)

    def _write(self, kind: str, fd: int, data: bytes, write: Callable[[int, bytes], None]) -> None:
        index, fault = self._enter(kind, f"fd {fd}, {len(data)} bytes")
        if fault is not None:
            if fault.torn and len(data) > 1:
                super().write_all(fd, data[: len(data) // 2])
            raise _oserror(fault.errno)
        write(fd, data)
        self._leave(index)

    def write_all(self, fd: int, data: bytes) -> None:
        self._write("write_all", fd, data, super().write_all)

    def append(self, fd: int, data: bytes) -> None:
        # The base class finishes a short write with self.write_all: call the real one instead,
        # so that one append is one write point.
        def append_once(fd: int, data: bytes) -> None:
            written = os.write(fd, data)
            if written != len(data):
                FileSystem.write_all(self, fd, data[written:])

        self._write("append", fd, data, append_once)

    def write_at(self, fd: int, data: bytes, offset: int) -> None:
        index, fault = self._enter("write_at", f"fd {fd}, {len(data)} bytes at {offset}")
        if fault is not None:
            if fault.torn and len(data) > 1:
                super().write_at(fd, data[: len(data) // 2], offset)
            raise _oserror(fault.errno)
        super().write_at(fd, data, offset)
        self._leave(index)

    def allocate(self, fd: int, offset: int, length: int) -> None:
        index, fault = self._enter("allocate", f"fd {fd}, {length} bytes at {offset}")
        if fault is not None:
            raise _oserror(fault.errno)
        super().allocate(fd, offset, length)
        self._leave(index)

    def fsync(self, fd: int) -> None:
        index, fault = self._enter("fsync", f"fd {fd}")
        if fault is not None:
            raise _oserror(fault.errno)
        with self._lock:  # content as of the start of the fsync is what it makes durable
            st = os.fstat(fd)
            content = _read_path(Path(f"/proc/self/fd/{fd}"))
            inode = self._inode_of(st, lambda: content)
        if self.real_fsync:
            super().fsync(fd)
        with self._lock:
            inode.durable = content
        self._leave(index)

    def truncate(self, fd: int, size: int) -> None:
        index, fault = self._enter("truncate", f"fd {fd} to {size}")
        if fault is not None:
            raise _oserror(fault.errno)
        super().truncate(fd, size)
        self._leave(index)

    # -- power loss -----------------------------------------------------------------------------------
    def power_loss(self) -> None:
        """Rewrite the tree under ``root`` to its durable state; the FS then works again.

        Call it only once nothing holds files open for writing under ``root`` any more (abandon
        the managers first: a dead process writes nothing).
        """
        with self._lock:
            self._close_handed()
            self._restore(self.root)
            self.crashed = False
            self._crash_after = None
            self._baseline()

    def _close_handed(self) -> None:
        """A dead process has no descriptors: close those we handed out that are still open."""
        for fd, key in self._handed.items():
            try:
                st = os.fstat(fd)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) == key:  # still ours, not a reused number
                os.close(fd)
        self._handed.clear()

    def _restore(self, directory: Path) -> None:
        entries = self._durable_dirs.get(directory, {})
        for name in os.listdir(directory):
            if name not in entries:
                _remove(directory / name)
        for name, entry in entries.items():
            path = directory / name
            if isinstance(entry, _Dir):
                if os.path.lexists(path) and not (path.is_dir() and not path.is_symlink()):
                    _remove(path)
                if not path.exists():
                    os.mkdir(path, 0o700)
                self._restore(path)
            else:
                if os.path.lexists(path):
                    _remove(path)  # never write through: it may be a hard link of another entry
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                try:
                    FileSystem.write_all(self, fd, entry.durable)
                finally:
                    os.close(fd)

    # -- inspection ----------------------------------------------------------------------------------
    def durable_bytes(self, path: Path) -> bytes | None:
        """The bytes ``path`` would hold after a power loss now, or None if it would not exist."""
        path = Path(os.path.abspath(path))
        with self._lock:
            chain = [path, *path.parents]
            for child in reversed(chain[:-1]):
                parent = child.parent
                if not self._within(parent):
                    continue
                entry = self._durable_dirs.get(parent, {}).get(child.name)
                if entry is None:
                    return None
                if child == path:
                    return entry.durable if isinstance(entry, _Inode) else None
            return None


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
