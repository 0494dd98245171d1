"""Inter-process locks on small lock files (``flock``), never on the data files themselves.

``flock`` locks belong to an open file description, so two managers in one process exclude each
other like two processes do, and a lock held by a killed process is released by the kernel: there
is never a stale lock to clean up. (``filelock`` offers only exclusive locks; appenders to a
journal another process created need a shared one.)
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import SessionLockedError
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


def is_held(path: Path) -> bool:
    """True if some process holds any lock on ``path`` (used for "is this session live?")."""
    if not path.exists():
        return False
    lock = FileLock(path)
    try:
        if lock.try_exclusive():
            lock.release()
            return False
        return True
    finally:
        lock.close()
