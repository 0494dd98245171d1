"""The liveness probe (``locks.is_held``) only reads: it creates nothing, opens nothing for writing,
works on read-only media and keeps no lock, yet tells a store held by a running process from a free one.
"""

from __future__ import annotations

import errno
import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from sessionkeeper.core.storage import locks
from sessionkeeper.core.storage.locks import FileLock, is_held
from tests.read_only_media import read_only_view

pytestmark = pytest.mark.plain_only("the liveness probe reads no stored data: no codec is involved")

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

# Holds a lock on argv[1] until stdin closes: "flock" (what writers take) or "posix" (a byte-range
# read lock: what NFS turns a shared flock into).
_HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
if sys.argv[2] == "flock":
    fcntl.flock(fd, fcntl.LOCK_SH)
else:
    fcntl.lockf(fd, fcntl.LOCK_SH)
print("held", flush=True)
sys.stdin.read()
"""


@contextmanager
def held_by_another_process(path: Path, kind: str = "flock") -> Iterator[None]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), kind], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"held\n"
        yield
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)


def lock_file(directory: Path) -> Path:
    """A store's ``live`` file as a writer leaves it (created by :class:`FileLock`, then closed)."""
    directory.mkdir(parents=True, exist_ok=True)
    FileLock(directory / "live").close()
    return directory / "live"


def test_a_missing_lock_file_is_free_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "session.d" / "live"
    path.parent.mkdir()
    assert is_held(path) is False
    assert not path.exists()
    assert is_held(tmp_path / "absent.d" / "live") is False  # nor its folder


def test_the_probe_opens_nothing_for_writing_and_keeps_no_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = lock_file(tmp_path / "session.d")
    writer = FileLock(path)  # opened before the spy: this is the writer, not the probe
    opened: list[tuple[str, int]] = []
    real_open = os.open

    def spy(file: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        opened.append((str(file), flags))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    try:
        assert is_held(path) is False
        assert writer.try_exclusive(), "the probe left a lock behind"
        writer.release()
        writer.acquire_shared()
        assert is_held(path) is True
    finally:
        writer.close()
    assert [name for name, _ in opened] == [str(path), str(path)]
    assert all(flags & _WRITE_FLAGS == 0 for _, flags in opened), opened


def test_held_and_free_stores_are_told_apart_on_a_read_only_mount(tmp_path: Path) -> None:
    source = tmp_path / "source"
    path = lock_file(source / "session.d")
    writer = FileLock(path)  # a writer of this very process, open before the media turned read-only
    try:
        with read_only_view(source, tmp_path / "ro") as view:
            seen = view / "session.d" / "live"
            assert is_held(seen) is False
            assert is_held(view / "other.d" / "live") is False
            with held_by_another_process(path):
                assert is_held(seen) is True
            writer.acquire_shared()
            assert is_held(seen) is True
            writer.release()
            assert is_held(seen) is False
    finally:
        writer.close()


def test_another_probe_is_not_mistaken_for_a_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A probe holds the lock exclusively for an instant; a second probe that meets it looks again."""
    path = lock_file(tmp_path / "session.d")
    other_probe = FileLock(path)
    try:
        assert other_probe.try_exclusive()
        monkeypatch.setattr(locks, "_pause", other_probe.release)  # it lets go while we wait
        assert is_held(path) is False
        other_probe.acquire_shared()  # now a writer: still held after the second look
        monkeypatch.setattr(locks, "_pause", lambda: None)
        assert is_held(path) is True
    finally:
        other_probe.close()


def test_where_flock_needs_write_access_the_probe_reads_byte_range_locks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NFS emulates flock with byte-range locks and refuses an exclusive one on a read-only
    descriptor (EBADF); the probe then asks which byte-range locks exist, taking none."""
    path = lock_file(tmp_path / "session.d")
    real_flock = fcntl.flock

    def nfs_flock(fd: int, operation: int) -> None:
        if operation & fcntl.LOCK_EX and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
        real_flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", nfs_flock)
    assert is_held(path) is False
    with held_by_another_process(path, "posix"):
        assert is_held(path) is True
    assert is_held(path) is False
