"""Inter-process locks on small lock files, never on the data files themselves.

The locks are POSIX ``flock`` locks. They belong to an open file description, so two managers in
one process exclude each other like two processes do, and a lock held by a killed process is
released by the kernel: there is never a stale lock to clean up. (``filelock`` offers only
exclusive locks; appenders to a journal another process created need a shared one.)

Only writers create and open lock files for writing; readers ask :func:`is_held` whether a store is
live, which opens the lock file read-only, if it exists, and works on read-only media.

**Platforms.** :class:`FileLock` and :class:`EpochLock` are what the rest of core sees; the system
calls behind them are one module per platform that provides the functions of
:class:`LockPlatform`: :mod:`.locks_posix` (``fcntl``, ``mmap``) on Linux, macOS and the BSDs. That
module is imported when the first lock is made, never when core is imported, so core imports (and
reads stores) everywhere. Where there is no such module (Windows, today: it would be a
``locks_nt`` module over ``msvcrt.locking`` or ``LockFileEx``, and one more line in
:func:`lock_platform`), making a lock raises :class:`~sessionkeeper.core.errors.UnsupportedPlatformError`
before any lock file is made, and :func:`is_held` says "not held": no writer can run there.
"""

from __future__ import annotations

import errno
import os
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sessionkeeper.core.errors import SessionLockedError, UnsupportedPlatformError

from .fs import filesystem

if TYPE_CHECKING:
    import mmap

__all__ = [
    "EpochLock",
    "FileLock",
    "LockPlatform",
    "held_alone",
    "is_held",
    "lock_platform",
    "read_end_in_place",
]

# Three native u64s (the file never leaves this machine): the current epoch, and the epoch and
# logical end of the journal written in place, if one is (see ``JournalWriter``). A lock file of
# an older version (8 bytes) is grown; such a version only ever reads the first.
_EPOCH_BYTES = 24
_EPOCH_SLOTS = struct.Struct("@QQQ")


class LockPlatform(Protocol):
    """What a platform's lock module provides (as module-level functions; see :mod:`.locks_posix`).

    Every lock is on a whole lock file open as ``fd``, belongs to that open file (not to the
    process or thread), and is released by the system when the process dies.
    """

    def lock_shared(self, fd: int) -> None:
        """Take the lock shared, waiting as long as a holder holds it exclusively."""

    def lock_exclusive(self, fd: int) -> None:
        """Take the lock exclusively, waiting as long as anyone else holds it."""

    def try_exclusive(self, fd: int) -> bool:
        """Take the lock exclusively if nobody else holds it; never waits."""

    def unlock(self, fd: int) -> None:
        """Release the lock this open file holds."""

    def map_epoch(self, fd: int, size: int) -> mmap.mmap:
        """A writable map of the first ``size`` bytes of the file, shared by every process."""

    def probe_free(self, fd: int) -> bool:
        """Whether nobody holds a lock on the file open *read-only* as ``fd``; takes none (or
        takes and drops one at once)."""


_platform: LockPlatform | None = None


def lock_platform() -> LockPlatform:
    """This platform's lock module, imported at the first call.

    Raises :class:`~sessionkeeper.core.errors.UnsupportedPlatformError` if there is none (or it
    cannot be imported: ``fcntl`` missing).
    """
    global _platform  # noqa: PLW0603 - imported once, at the first lock
    if _platform is None:
        try:
            if os.name == "posix":
                from . import locks_posix

                _platform = locks_posix
            else:
                raise ImportError(f"no lock module for os.name {os.name!r}")
        except ImportError as exc:
            raise UnsupportedPlatformError(
                os.name, f"no file locks (sessionkeeper.core.storage.locks: {exc})"
            ) from exc
    return _platform


class FileLock:
    """A lock on one lock file, shared or exclusive (``flock`` on POSIX)."""

    def __init__(self, path: Path) -> None:
        self._platform = lock_platform()  # before the lock file is made: an unsupported platform makes none
        self.path = path
        self.fd = filesystem().open_lockfile(path)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def acquire_shared(self) -> None:
        self._platform.lock_shared(self.fd)

    def release(self) -> None:
        self._platform.unlock(self.fd)

    def try_exclusive(self) -> bool:
        return self._platform.try_exclusive(self.fd)

    def acquire_exclusive(self, timeout: float | None = None) -> None:
        if timeout is None:
            self._platform.lock_exclusive(self.fd)
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

    The lock file also holds the current journal epoch (memory-mapped), so an appender learns that
    a compactor has sealed its journal with one memory read instead of a ``stat``. Beside it: the
    logical end of a journal written in place (preallocated, so its size says nothing), which every
    appender to it reads and advances with the lock held exclusively.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        if os.fstat(self.fd).st_size < _EPOCH_BYTES:
            with self.exclusive():
                if os.fstat(self.fd).st_size < _EPOCH_BYTES:
                    os.ftruncate(self.fd, _EPOCH_BYTES)
        self._map = self._platform.map_epoch(self.fd, _EPOCH_BYTES)
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

    def end_in_place(self, epoch: int) -> int | None:
        """The logical end of journal ``epoch`` if it is written in place (``None``: it is appended
        to, its size is its end). Read without the lock, it only tells whether the journal changed."""
        view = self.view
        return view[2] if view[1] == epoch and epoch else None

    def set_end_in_place(self, epoch: int, end: int) -> None:
        """Record the logical end of journal ``epoch``, written in place; call with the lock held
        exclusively (the end first: a reader that sees the epoch sees an end of it)."""
        view = self.view
        view[2] = end
        view[1] = epoch


_PROBE_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)
_PROBE_PAUSE = 0.001  # seconds before a second look, when the first met a lock


def is_held(path: Path) -> bool:
    """True if some process holds a lock on the lock file ``path`` ("is this store live?").

    A reader's question: nothing is created, nothing is opened for writing, and it works on
    read-only media. A missing lock file is held by nobody, and so is every lock file on a
    platform without a lock module (no writer can run there).

    A lock cannot be seen without trying to take one (on POSIX: ``F_GETLK``/``F_OFD_GETLK`` see
    only byte-range locks, and ``/proc/locks`` hides the locks of processes in other PID
    namespaces, such as another container sharing the data directory). So the probe asks for the
    lock exclusively *without waiting*, on a read-only descriptor (``flock`` does not care how a
    file is open): held by a writer, the request fails at once and nothing is taken; free, it is
    released at once, so a writer that opens the store at that very moment waits a few
    microseconds for its shared lock. Only probes take this lock exclusively, so one probe meeting
    another's lock looks a second time a millisecond later before saying "held".
    """
    try:
        platform = lock_platform()
    except UnsupportedPlatformError:
        return False
    try:
        fd = os.open(path, _PROBE_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        return False  # no lock file (or no store folder): nobody ever locked it
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return False  # a symlink: writers refuse to open one (O_NOFOLLOW), so nobody holds it
        raise
    try:
        if platform.probe_free(fd):
            return False
        _pause()
        return not platform.probe_free(fd)
    finally:
        os.close(fd)


def read_end_in_place(path: Path, epoch: int) -> int | None:
    """The logical end of journal ``epoch`` if it is written in place, as the journal lock file
    ``path`` holds it (see :meth:`EpochLock.end_in_place`), for a reader that holds no lock: read,
    not mapped, and never through a symlink. ``None``: no such journal, or no lock file."""
    try:
        fd = os.open(path, _PROBE_FLAGS)
    except OSError:
        return None
    try:
        data = os.read(fd, _EPOCH_SLOTS.size)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) < _EPOCH_SLOTS.size:
        return None
    _, named, end = _EPOCH_SLOTS.unpack(data)
    return end if named == epoch and epoch else None


@contextmanager
def held_alone(path: Path) -> Iterator[bool]:
    """Hold the lock file ``path`` exclusively while the block runs, if no process holds it: True
    then (no writer has the store open, and one that opens it now waits until the block ends);
    False if some process holds it. A missing lock file: nobody ever opened the store for writing
    (True, with nothing held). Opened read-only, never through a symlink, as :func:`is_held` does."""
    try:
        platform = lock_platform()
        fd = os.open(path, _PROBE_FLAGS)
    except (FileNotFoundError, NotADirectoryError, UnsupportedPlatformError):
        yield True
        return
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a planted symlink: no writer opens one, so nobody holds it
            yield True
            return
        raise
    try:
        if not platform.try_exclusive(fd):
            yield False
            return
        try:
            yield True
        finally:
            platform.unlock(fd)
    finally:
        os.close(fd)


def _pause() -> None:
    time.sleep(_PROBE_PAUSE)
