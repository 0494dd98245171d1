"""All file I/O of session-core goes through one :class:`FileSystem` object.

Keeping every write point in one small class lets tests put a faulty file system in its place
(ENOSPC, EIO, torn writes, power loss) the way SQLite and RocksDB test themselves. The real one is
plain POSIX: files are created 0600 with ``O_EXCL | O_NOFOLLOW``, directories 0700, and a snapshot
is replaced atomically (temp file, fsync, rename, fsync of the directory).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path

__all__ = ["FileSystem", "filesystem", "use_filesystem"]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_fdatasync = getattr(os, "fdatasync", os.fsync)


class FileSystem:
    """The real file system. Subclasses (in tests) override methods to inject faults."""

    # -- directories -------------------------------------------------------------------------------
    def make_private_dir(self, path: Path) -> None:
        """Create ``path`` (and parents) with mode 0700 for the parts we create.

        Each new directory's entry is made durable by an fsync of its parent: a file in a
        directory that vanishes on power loss is lost however well the file was synced.
        """
        missing: list[Path] = []
        probe = path
        while not probe.is_dir():
            missing.append(probe)
            if probe.parent == probe:
                break
            probe = probe.parent
        for directory in reversed(missing):
            try:
                directory.mkdir(mode=0o700)
            except FileExistsError:
                continue
            self.fsync_dir(directory.parent)

    def fsync_dir(self, path: Path) -> None:
        fd = os.open(path, os.O_RDONLY | _CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def listdir(self, path: Path) -> list[str]:
        try:
            return os.listdir(path)
        except FileNotFoundError:
            return []

    def remove_tree(self, path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)

    # -- whole files --------------------------------------------------------------------------------
    def read_bytes(self, path: Path, limit: int) -> bytes:
        """Read a whole file, refusing symlinks and files larger than ``limit`` bytes."""
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
        try:
            size = os.fstat(fd).st_size
            if size > limit:
                raise OSError(27, f"file is {size} bytes, over the {limit}-byte limit", str(path))  # EFBIG
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    def write_atomic(self, path: Path, data: bytes, backup: Path | None = None) -> None:
        """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file.

        With ``backup``, the file being replaced is kept there (hard link, so ``path`` never
        disappears). Any failure removes the temp file and leaves ``path`` and ``backup`` as they were.
        """
        tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
        fd = self.create_exclusive(tmp)
        try:
            try:
                self.write_all(fd, data)
                self.fsync(fd)
            finally:
                os.close(fd)
            if backup is not None and path.exists():
                self.keep_backup(path, backup)
            self.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self.fsync_dir(path.parent)

    def keep_backup(self, path: Path, backup: Path) -> None:
        """Make ``backup`` a copy of ``path`` (by hard link) without ``path`` ever disappearing."""
        tmp = backup.with_name(f".{backup.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
        try:
            try:
                os.link(path, tmp)
            except OSError:  # file systems without hard links: copy instead
                shutil.copyfile(path, tmp)
            self.replace(tmp, backup)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def replace(self, src: Path, dst: Path) -> None:
        os.replace(src, dst)

    def unlink(self, path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    # -- descriptors ----------------------------------------------------------------------------------
    def create_exclusive(self, path: Path) -> int:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)

    def open_append(self, path: Path) -> int:
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600)

    def open_lockfile(self, path: Path) -> int:
        return os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600)

    def write_all(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]

    def append(self, fd: int, data: bytes) -> None:
        """One journal record: a single ``write`` so concurrent appenders never interleave."""
        written = os.write(fd, data)
        if written != len(data):  # only on a full disk or a signal mid-write: finish, or fail loudly
            self.write_all(fd, data[written:])

    def fsync(self, fd: int) -> None:
        _fdatasync(fd)

    def truncate(self, fd: int, size: int) -> None:
        os.ftruncate(fd, size)

    def size(self, fd: int) -> int:
        return os.fstat(fd).st_size


_current = FileSystem()


def filesystem() -> FileSystem:
    """The file system in use (the real one unless a test installed another)."""
    return _current


def use_filesystem(fs: FileSystem) -> FileSystem:
    """Install ``fs`` for all of session-core's I/O and return the one it replaces (for tests)."""
    global _current
    previous, _current = _current, fs
    return previous
