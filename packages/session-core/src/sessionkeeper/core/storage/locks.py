"""Inter-process locks on small lock files (``flock``), never on the data files themselves.

``flock`` locks belong to an open file description, so two managers in one process exclude each
other like two processes do, and a lock held by a killed process is released by the kernel: there
is never a stale lock to clean up. (``filelock`` offers only exclusive locks; appenders to a
journal another process created need a shared one.)

Only writers create and open lock files for writing; readers ask :func:`is_held` whether a store is
live, which opens the lock file read-only, if it exists, and works on read-only media.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sessionkeeper.core.errors import SessionLockedError

from .fs import filesystem

__all__ = ["EpochLock", "FileLock", "is_held"]

_EPOCH = struct.Struct("=Q")  # native byte order: the file never leaves this machine


class FileLock:
    """A ``flock`` on one lock file, shared or exclusive."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = filesystem().open_lockfile(path)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def acquire_shared(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_SH)

    def release(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)

    def try_exclusive(self) -> bool:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def acquire_exclusive(self, timeout: float | None = None) -> None:
        if timeout is None:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            return
        deadline = time.monotonic() + timeout
        while not self.try_exclusive():
            if time.monotonic() >= deadline:
                raise SessionLockedError(
                    f"{self.path.parent.name} is locked by another process (waited {timeout:g} s); "
                    "try again when its checkpoint has finished"
                )
            time.sleep(0.005)

    @contextmanager
    def exclusive(self, timeout: float | None = None) -> Iterator[None]:
        self.acquire_exclusive(timeout)
        try:
            yield
        finally:
            self.release()


class EpochLock(FileLock):
    """The journal lock: held exclusively to publish a new journal epoch, shared by appenders
    that must not race it (see ``StoreWriter.append``).

    The lock file also holds the current journal epoch (8 bytes, memory-mapped), so an appender
    learns that a compactor has sealed its journal with one memory read instead of a ``stat``.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        if os.fstat(self.fd).st_size < _EPOCH.size:
            with self.exclusive():
                if os.fstat(self.fd).st_size < _EPOCH.size:
                    os.ftruncate(self.fd, _EPOCH.size)
        self._map = mmap.mmap(self.fd, _EPOCH.size)
        # The epoch is ``view[0]``: a native u64, one indexing per read on the append hot path.
        self.view = memoryview(self._map).cast("Q")

    def close(self) -> None:
        if self.fd >= 0:
            self.view.release()
            self._map.close()
        super().close()

    @property
    def epoch(self) -> int:
        return self.view[0]

    def set_epoch(self, epoch: int) -> None:
        """Publish ``epoch``; call with the lock held exclusively."""
        self.view[0] = epoch


_PROBE_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_PROBE_PAUSE = 0.001  # seconds before a second look, when the first met a lock
_RECORD_LOCK = struct.Struct("hhqqi")  # struct flock: type, whence, start, len, pid (native alignment)


def is_held(path: Path) -> bool:
    """True if some process holds a lock on the lock file ``path`` ("is this store live?").

    A reader's question: nothing is created, nothing is opened for writing, and it works on
    read-only media. A missing lock file is held by nobody.

    ``flock`` locks cannot be seen without trying to take one: ``F_GETLK``/``F_OFD_GETLK`` see only
    byte-range locks, and ``/proc/locks`` hides the locks of processes in other PID namespaces
    (another container sharing the data directory). So the probe asks for the lock exclusively
    *without waiting*, on a read-only descriptor (``flock`` does not care how a file is open): held
    by a writer, the request fails at once and nothing is taken; free, it is released on the next
    line, so a writer that opens the store at that very moment waits a few microseconds for its
    shared lock. Only probes take this lock exclusively, so one probe meeting another's lock looks
    a second time a millisecond later before saying "held".
    """
    try:
        fd = os.open(path, _PROBE_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        return False  # no lock file (or no store folder): nobody ever locked it
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return False  # a symlink: writers refuse to open one (O_NOFOLLOW), so nobody holds it
        raise
    try:
        if _free(fd):
            return False
        _pause()
        return not _free(fd)
    finally:
        os.close(fd)


def _pause() -> None:
    time.sleep(_PROBE_PAUSE)


def _free(fd: int) -> bool:
    """Whether no process holds a lock on the file open (read-only) as ``fd``; leaves no lock."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno != errno.EBADF:
            raise
        # NFS (and CIFS) emulate flock with byte-range locks, and an exclusive one needs a file
        # open for writing. There, byte-range locks are what writers hold, and they can be read.
        return not _record_locked(fd)
    fcntl.flock(fd, fcntl.LOCK_UN)
    return True


def _record_locked(fd: int) -> bool:
    """Whether any byte-range lock (of another process, or of any open file description) would
    stop a write lock on the whole file; takes none."""
    command = getattr(fcntl, "F_OFD_GETLK", fcntl.F_GETLK)
    query = _RECORD_LOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0) + bytes(16)  # + room for padding
    answer = fcntl.fcntl(fd, command, query)
    kind: int = _RECORD_LOCK.unpack_from(answer)[0]
    return kind != fcntl.F_UNLCK
