"""One journal written in place: space reserved ahead of its records, each record written over it.

Appending makes every ``fdatasync`` commit the file's new size too; writing into space reserved
beforehand (``posix_fallocate``: zeros, already counted in the size) does not, which saves about a
third of each durable write on ext4 (``bench/`` P7 and P8), as write-ahead logs do. The price is
that the file's size no longer says where its records end. That *logical end* lives in the
journal lock's file (:meth:`EpochLock.end_in_place`); every writer of such a journal, its creator
too, writes at that end and advances it with the journal lock held exclusively. Readers take the
zeros after the last record as the journal's unwritten end (see :func:`.journal.scan`).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from .fs import FileSystem
from .locks import EpochLock
from .records import RECORD_HEAD, written_end

__all__ = ["InPlaceJournal"]

# Reserved at a time: one size change (and one slower fdatasync) per ~800 small records.
RESERVE = 64 << 10


class InPlaceJournal:
    """Writes records at the logical end of journal ``epoch``, open as ``fd`` (without
    ``O_APPEND``: ``pwrite`` on such a descriptor appends); every method is called with the
    journal lock held exclusively."""

    def __init__(self, fs: FileSystem, epochs: EpochLock, path: Path, fd: int, epoch: int) -> None:
        self._fs, self._epochs, self._path, self._fd, self._epoch = fs, epochs, path, fd, epoch
        self._reserved = 0  # the file's size as last seen

    @property
    def end(self) -> int | None:
        """The logical end as the lock file holds it (``None``: it names another journal)."""
        return self._epochs.end_in_place(self._epoch)

    def write(self, data: bytes, expected: int | None) -> None:
        """Write ``data`` at the logical end (``expected``: where this writer last left it),
        reserving more space first if it does not fit, and advance the end. A failed write is
        zeroed (best effort): the next one starts there, and no part of this one may outlive it."""
        end = self.logical_end(expected)
        stop = end + len(data)
        if stop > self._reserved:
            size = self._reserved = self._fs.size(self._fd)
            if stop > size:
                self._fs.allocate(self._fd, size, max(RESERVE, stop - size))
                self._reserved = self._fs.size(self._fd)
        try:
            self._fs.write_at(self._fd, data, end)
        except OSError:
            # What stays past the end (if this fails too) is read as a torn tail, written over next.
            with contextlib.suppress(OSError):
                self._fs.write_at(self._fd, bytes(len(data)), end)
            raise
        self._epochs.set_end_in_place(self._epoch, stop)

    def logical_end(self, expected: int | None) -> int:
        """Where the next record goes: the end the lock file holds, if nothing is written there;
        else found from the records themselves (the lock file was overwritten: nothing written is
        ever written over)."""
        end = self.end
        if end is not None and end == expected:
            return end  # this writer's own end: no one else wrote since
        size = self._reserved = self._fs.size(self._fd)
        if (
            end is not None
            and RECORD_HEAD.size <= end <= size
            and (end == size or not any(self._fs.read_at(self._fd, RECORD_HEAD.size, end)))
        ):
            return end
        return written_end(self._fs.read_range(self._path, 0, size))

    def cut_reserve(self, expected: int | None) -> None:
        """Truncate the file to its logical end, when only zeros follow it (the journal is being
        sealed). Not made durable: zeros a power loss brings back are read as its end."""
        end = self.logical_end(expected)
        size = self._fs.size(self._fd)
        if end < size and not any(self._fs.read_at(self._fd, size - end, end)):
            self._fs.truncate(self._fd, end)
