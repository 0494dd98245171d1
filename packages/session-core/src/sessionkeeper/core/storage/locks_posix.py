"""The POSIX lock implementation (Linux, macOS, the BSDs): ``flock`` and a shared memory map.

Imported by :mod:`.locks` when the first lock is made (or the first liveness probe runs), never
when core is imported: ``fcntl`` and ``mmap`` are loaded here and nowhere else. The functions below
are the :class:`~.locks.LockPlatform` interface; see :mod:`.locks` for what they promise.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
import struct

__all__ = ["lock_exclusive", "lock_shared", "map_epoch", "probe_free", "try_exclusive", "unlock"]

_RECORD_LOCK = struct.Struct("hhqqi")  # struct flock: type, whence, start, len, pid (native alignment)


def lock_shared(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_SH)


def lock_exclusive(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_EX)


def try_exclusive(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def unlock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)


def map_epoch(fd: int, size: int) -> mmap.mmap:
    """A shared, writable map of the first ``size`` bytes of the lock file open as ``fd``."""
    return mmap.mmap(fd, size)


def probe_free(fd: int) -> bool:
    """Whether no process holds a lock on the file open (read-only) as ``fd``; leaves no lock.

    ``flock`` locks cannot be seen without trying to take one (``F_GETLK``/``F_OFD_GETLK`` see only
    byte-range locks, ``/proc/locks`` hides other PID namespaces), so this asks for the lock
    exclusively *without waiting*: held by a writer, the request fails at once and nothing is
    taken; free, it is released on the next line.
    """
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
