"""All file I/O of session-core goes through one :class:`FileSystem` object.

Keeping every write point in one small class lets tests put a faulty file system in its place
(ENOSPC, EIO, torn writes, power loss) the way SQLite and RocksDB test themselves. The real one is
plain POSIX: files are created 0600 with ``O_EXCL | O_NOFOLLOW``, directories 0700, and a snapshot
is replaced atomically (temp file, fsync, rename, fsync of the directory).

Symlinks: core never follows one for what it creates, opens for writing or deletes. Every such
operation runs relative to a descriptor of the file's directory; when that directory is one core
owns (``sessions/`` and every ``*.d/``), it is opened with ``O_NOFOLLOW``, so a symlink planted
there is refused (``ELOOP``) with no race between a check and the use; the file itself is opened
with ``O_NOFOLLOW`` too. The data and user directories themselves may be symlinks: you chose them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

__all__ = ["FileSystem", "filesystem", "owned_directory", "use_filesystem"]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_fdatasync = getattr(os, "fdatasync", os.fsync)
_fallocate: Callable[[int, int, int], None] | None = getattr(os, "posix_fallocate", None)  # not on macOS
_OWNED_NAMES = frozenset({"sessions", "history"})


def owned_directory(directory: Path) -> bool:
    """Whether core made (and so owns) ``directory``: ``sessions/``, ``history/`` or a store's ``*.d/``."""
    return directory.name in _OWNED_NAMES or directory.name.endswith(".d")


def _open_dir(directory: Path) -> int:
    """A descriptor of ``directory``, refusing a symlink where core owns the directory."""
    flags = os.O_RDONLY | _DIRECTORY | _CLOEXEC
    if owned_directory(directory):
        flags |= _NOFOLLOW
    try:
        return os.open(directory, flags)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR) and directory.is_symlink():
            raise _symlink(directory) from None
        raise


def _temp_name(name: str) -> str:
    """A temp file's name beside ``name``: hidden, unique per process and call (see
    :meth:`StorePaths.is_snapshot_temp <sessionkeeper.core.storage.layout.StorePaths.is_snapshot_temp>`)."""
    return f".{name}.{os.getpid()}-{os.urandom(4).hex()}.tmp"


def _symlink(path: Path) -> OSError:
    message = "is a symbolic link; Sessionkeeper never follows one inside its stores (remove it)"
    return OSError(errno.ELOOP, message, str(path))


@contextlib.contextmanager
def _directory_of(path: Path) -> Iterator[int]:
    fd = _open_dir(path.parent)
    try:
        yield fd
    finally:
        os.close(fd)


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
        if owned_directory(path) and path.is_symlink():
            raise _symlink(path)
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
        fd = _open_dir(path)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def listdir(self, path: Path) -> list[str]:
        """The names in ``path`` ([] if it is missing); a symlink where core owns the directory is
        refused, for reading as for writing (what it points to is not ours)."""
        try:
            fd = _open_dir(path)  # O_NOFOLLOW where core owns it: no gap between check and listing
        except FileNotFoundError:
            return []
        try:
            return os.listdir(fd)
        finally:
            os.close(fd)

    def remove_tree(self, path: Path) -> None:
        import shutil  # with bz2 and lzma: ~2 ms of import that only removal needs

        shutil.rmtree(path, ignore_errors=True)

    # -- whole files --------------------------------------------------------------------------------
    def read_bytes(self, path: Path, limit: int) -> bytes:
        """Read a whole regular file, refusing symlinks, devices and FIFOs (``/dev/zero`` never
        ends, a FIFO may never open) and files larger than ``limit`` bytes, however large they
        claim to be: at most ``limit + 1`` bytes are ever read."""
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _NONBLOCK)
        try:
            return b"".join(_bounded_chunks(fd, limit, str(path)))
        finally:
            os.close(fd)

    def read_head(self, path: Path, size: int) -> tuple[bytes, os.stat_result]:
        """The first ``size`` bytes of a regular file and its status, refusing what
        :meth:`read_bytes` refuses (a symlink, a FIFO, a device) whatever the file's size."""
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _NONBLOCK)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise OSError(errno.EINVAL, "not a regular file", str(path))
            return os.read(fd, size), info
        finally:
            os.close(fd)

    def _fill(self, fd: int, data: bytes) -> None:
        """Write all of ``data`` to a new temp file's ``fd``, make it durable, close it."""
        try:
            self.write_all(fd, data)
            self.fsync(fd)
        finally:
            os.close(fd)

    def write_atomic(self, path: Path, data: bytes, backup: Path | None = None) -> None:
        """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file.

        With ``backup``, the file being replaced is kept there (hard link, so ``path`` never
        disappears). Any failure removes the temp file and leaves ``path`` and ``backup`` as they were.
        """
        tmp = path.with_name(_temp_name(path.name))
        fd = self.create_exclusive(tmp)
        try:
            self._fill(fd, data)
            if backup is not None and path.exists():
                self.keep_backup(path, backup)
            self.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                self._unlink(tmp)
            raise
        self.fsync_dir(path.parent)

    def keep_backup(self, path: Path, backup: Path) -> None:
        """Make ``backup`` a copy of ``path`` (by hard link) without ``path`` ever disappearing."""
        tmp = backup.with_name(f".{backup.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp")
        try:
            with _directory_of(path) as source, _directory_of(tmp) as target:
                try:
                    os.link(path.name, tmp.name, src_dir_fd=source, dst_dir_fd=target, follow_symlinks=False)
                except OSError as exc:
                    if exc.errno == errno.ELOOP:
                        raise
                    # file systems without hard links: copy instead (never through a symlink)
                    with (
                        open(path.name, "rb", opener=_opener(source, os.O_RDONLY)) as old,
                        open(
                            tmp.name, "wb", opener=_opener(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
                        ) as new,
                    ):
                        import shutil

                        shutil.copyfileobj(old, new)
            self.replace(tmp, backup)
        except BaseException:
            with contextlib.suppress(OSError):
                self._unlink(tmp)
            raise

    def replace(self, src: Path, dst: Path) -> None:
        with _directory_of(src) as source, _directory_of(dst) as target:
            os.replace(src.name, dst.name, src_dir_fd=source, dst_dir_fd=target)

    def unlink(self, path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._unlink(path)

    @staticmethod
    def _unlink(path: Path) -> None:
        with _directory_of(path) as directory:
            os.unlink(path.name, dir_fd=directory)

    # -- descriptors ----------------------------------------------------------------------------------
    def create_exclusive(self, path: Path) -> int:
        return _open_in(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)

    def open_append(self, path: Path) -> int:
        return _open_in(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def open_in_place(self, path: Path) -> int:
        """A journal written in place (:meth:`write_at`), not appended to: ``pwrite`` on an
        ``O_APPEND`` descriptor would append."""
        return _open_in(path, os.O_RDWR | os.O_CREAT)

    def open_lockfile(self, path: Path) -> int:
        return _open_in(path, os.O_RDWR | os.O_CREAT)

    def file_size(self, path: Path) -> int | None:
        """The size of ``path`` (``None``: there is none)."""
        try:
            return os.stat(path, follow_symlinks=False).st_size
        except FileNotFoundError:
            return None

    def read_range(self, path: Path, start: int, stop: int) -> bytes:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
        try:
            return os.pread(fd, stop - start, start)
        finally:
            os.close(fd)

    def sync_file(self, path: Path) -> None:
        """Make a file written through another descriptor durable (by path, never a symlink)."""
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
        try:
            self.fsync(fd)
        finally:
            os.close(fd)

    # -- trees below a root, by descriptor (backup targets) --------------------------------------------
    def open_beneath(self, root: Path, parts: Sequence[str], *, create: bool = False) -> int:
        """A descriptor of the directory ``root/parts[0]/parts[1]/…``.

        Each part is opened relative to the one before with ``O_NOFOLLOW``: a symlink anywhere
        below ``root`` is refused (``ELOOP``), never followed, with no race between a check and the
        use (``root`` itself may be a symlink: you chose it). With ``create``, missing parts are
        made 0700 and each new entry is made durable by an fsync of its parent.
        """
        fd = _open_dir(root)
        try:
            for index, part in enumerate(parts):
                if create:
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, 0o700, dir_fd=fd)
                        os.fsync(fd)
                try:
                    child = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
                except OSError as exc:
                    if exc.errno in (errno.ELOOP, errno.ENOTDIR) and _is_link_at(fd, part):
                        raise _symlink(root.joinpath(*parts[: index + 1])) from None
                    raise
                os.close(fd)
                fd = child
        except BaseException:
            os.close(fd)
            raise
        return fd

    def publish_at(self, directory: int, name: str, data: bytes, *, replace: bool) -> None:
        """Make ``data`` the file ``name`` in the open ``directory``, whole or not at all.

        The bytes go to a temp file (``.<name>.<pid>-<random>.tmp``, 0600), are fsynced, and the
        temp file is then renamed over ``name`` (``replace``) or hard-linked to it, which fails
        with ``FileExistsError`` if ``name`` exists: of two processes creating one name, exactly
        one wins. The directory is fsynced last. A crash leaves at most the temp file.
        """
        tmp = _temp_name(name)
        fd = os.open(
            tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600, dir_fd=directory
        )
        published = False
        try:
            self._fill(fd, data)
            if replace:
                os.replace(tmp, name, src_dir_fd=directory, dst_dir_fd=directory)
            else:
                os.link(tmp, name, src_dir_fd=directory, dst_dir_fd=directory, follow_symlinks=False)
            published = replace
        finally:
            if not published:  # failed, or linked: the temp name goes either way
                with contextlib.suppress(OSError):
                    os.unlink(tmp, dir_fd=directory)
        os.fsync(directory)

    def read_chunks_at(self, directory: int, name: str, limit: int) -> Iterator[bytes]:
        """The regular file ``name`` of the open ``directory`` (never a symlink, device or FIFO)
        in chunks, refusing (``EFBIG``) one over ``limit`` bytes as :meth:`read_bytes` does."""
        fd = os.open(name, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _NONBLOCK, dir_fd=directory)
        try:
            yield from _bounded_chunks(fd, limit, name)
        finally:
            os.close(fd)

    def walk_at(self, directory: int) -> Iterator[tuple[str, int]]:
        """``(relative path, size)`` of every regular file below the open ``directory``; symlinks
        and anything else that is neither a file nor a directory are skipped, never entered."""
        with os.scandir(directory) as entries:
            found = [(entry.name, entry.is_dir(follow_symlinks=False), entry) for entry in entries]
        for name, is_dir, entry in found:
            if is_dir:
                try:
                    child = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=directory)
                except (FileNotFoundError, NotADirectoryError):
                    continue  # gone (or replaced) since it was listed
                try:
                    yield from ((f"{name}/{path}", size) for path, size in self.walk_at(child))
                finally:
                    os.close(child)
            elif entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    yield name, entry.stat(follow_symlinks=False).st_size

    def unlink_at(self, directory: int, name: str) -> None:
        """Remove the file ``name`` of the open ``directory`` (``FileNotFoundError`` if there is
        none) and make the removal durable."""
        os.unlink(name, dir_fd=directory)
        os.fsync(directory)

    def dup(self, fd: int) -> int:
        return os.dup(fd)

    def close(self, fd: int) -> None:
        os.close(fd)

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

    def write_at(self, fd: int, data: bytes, offset: int) -> None:
        """Write all of ``data`` at ``offset`` (a journal written in place: one ``pwrite``)."""
        view, at = memoryview(data), offset
        while view:
            written = os.pwrite(fd, view, at)
            view, at = view[written:], at + written

    def read_at(self, fd: int, size: int, offset: int) -> bytes:
        """Up to ``size`` bytes at ``offset`` of the file open as ``fd``."""
        return os.pread(fd, size, offset)

    def allocate(self, fd: int, offset: int, length: int) -> None:
        """Reserve ``length`` bytes at ``offset`` (zeros, counted in the file's size): writing into
        them and syncing commits no size change, which an append's ``fdatasync`` must. Where the
        platform or file system cannot reserve space, the file is extended with a hole instead."""
        if _fallocate is not None:
            try:
                _fallocate(fd, offset, length)
                return
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                    raise
        if os.fstat(fd).st_size < offset + length:
            os.ftruncate(fd, offset + length)

    def fsync(self, fd: int) -> None:
        _fdatasync(fd)

    def truncate(self, fd: int, size: int) -> None:
        os.ftruncate(fd, size)

    def size(self, fd: int) -> int:
        return os.fstat(fd).st_size


def _bounded_chunks(fd: int, limit: int, name: str) -> Iterator[bytes]:
    """The bytes of the regular file open as ``fd``, in chunks of at most 1 MiB; ``EFBIG`` as soon
    as it proves larger than ``limit`` (at most ``limit + 1`` bytes are ever read)."""
    info = os.fstat(fd)
    if stat.S_ISDIR(info.st_mode):  # its own errno: a directory is "no such object" to a target
        raise OSError(errno.EISDIR, "not a regular file (a directory)", name)
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, "not a regular file", name)
    if info.st_size > limit:
        raise OSError(errno.EFBIG, f"file is {info.st_size} bytes, over the {limit}-byte limit", name)
    left = limit + 1
    while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
        left -= len(chunk)
        if left <= 0:  # it grew while we read it
            raise OSError(errno.EFBIG, f"file is over the {limit}-byte limit", name)
        yield chunk


def _open_in(path: Path, flags: int) -> int:
    """Open ``path`` for writing relative to its directory, never through a symlink."""
    with _directory_of(path) as directory:
        return os.open(path.name, flags | _NOFOLLOW | _CLOEXEC, 0o600, dir_fd=directory)


def _is_link_at(directory: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=directory, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _opener(directory: int, flags: int) -> Callable[[str, int], int]:
    def opener(name: str, _: int) -> int:
        return os.open(name, flags | _NOFOLLOW | _CLOEXEC, 0o600, dir_fd=directory)

    return opener


_current = FileSystem()


def filesystem() -> FileSystem:
    """The file system in use (the real one unless a test installed another)."""
    return _current


def use_filesystem(fs: FileSystem) -> FileSystem:
    """Install ``fs`` for all of session-core's I/O and return the one it replaces (for tests)."""
    global _current
    previous, _current = _current, fs
    return previous
