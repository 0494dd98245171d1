"""What only the local-directory target can be asked about: files, modes, symlinks, temp files."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from sessionkeeper.core import LocalDirectoryTarget as ExportedTarget
from sessionkeeper.core.errors import (
    InvalidTargetKeyError,
    StorageError,
    TargetConflictError,
    TargetNotFoundError,
)
from sessionkeeper.core.storage.targets import LocalDirectoryTarget


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "backup"


@pytest.fixture
def target(root: Path) -> LocalDirectoryTarget:
    return LocalDirectoryTarget(root)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory outside the target's root, with one file a symlink could lead to."""
    directory = tmp_path / "outside"
    directory.mkdir()
    (directory / "secret").write_bytes(b"not yours")
    return directory


def tree(path: Path) -> dict[str, bytes | None]:
    return {
        str(entry.relative_to(path)): None if entry.is_dir() else entry.read_bytes()
        for entry in sorted(path.rglob("*"))
    }


def test_core_exports_the_target_lazily() -> None:
    assert ExportedTarget is LocalDirectoryTarget


def test_objects_are_plain_private_files_under_the_root(target: LocalDirectoryTarget, root: Path) -> None:
    target.put("stores/s1/snapshots/000001.json", b"sealed")
    path = root / "stores" / "s1" / "snapshots" / "000001.json"
    assert path.read_bytes() == b"sealed"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for directory in (root, root / "stores", root / "stores" / "s1", root / "stores" / "s1" / "snapshots"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    assert [name for name in os.listdir(path.parent) if name.endswith(".tmp")] == []


def test_reading_creates_nothing(target: LocalDirectoryTarget, root: Path) -> None:
    with pytest.raises(TargetNotFoundError):
        target.get("stores/x")
    with pytest.raises(TargetNotFoundError):
        target.head("stores/x")
    assert list(target.list()) == []
    assert list(target.list("stores")) == []
    target.delete("stores/x")
    assert not root.exists()


def test_the_root_itself_may_be_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "nas-mount"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    LocalDirectoryTarget(tmp_path / "link").put("a/b", b"through the chosen root")
    assert (real / "a" / "b").read_bytes() == b"through the chosen root"


def test_a_directory_symlink_planted_in_the_root_is_never_followed(
    target: LocalDirectoryTarget, root: Path, outside: Path
) -> None:
    target.put("stores/s1/000001", b"mine")
    (root / "stores" / "evil").symlink_to(outside)
    (root / "planted").symlink_to(outside)
    before = tree(outside)

    for call in (
        lambda: target.put("stores/evil/new", b"x"),
        lambda: target.put("stores/evil/secret", b"x", mode="overwrite"),
        lambda: target.put("planted/deeper/new", b"x"),
        lambda: target.get("stores/evil/secret"),
        lambda: target.head("planted/secret"),
        lambda: target.delete("stores/evil/secret"),
        lambda: list(target.list("planted")),
    ):
        with pytest.raises(StorageError) as caught:
            call()
        assert caught.value.errno == errno.ELOOP
        assert "symbolic link" in str(caught.value)
    assert [info.key for info in target.list()] == ["stores/s1/000001"]  # not entered while listing
    assert tree(outside) == before


def test_a_file_symlink_planted_in_the_root_is_never_followed(
    target: LocalDirectoryTarget, root: Path, outside: Path
) -> None:
    target.put("stores/real", b"mine")
    link = root / "stores" / "secret"
    link.symlink_to(outside / "secret")
    before = tree(outside)

    with pytest.raises(StorageError) as caught:
        target.get("stores/secret")
    assert caught.value.errno == errno.ELOOP
    with pytest.raises(StorageError):
        target.head("stores/secret")
    with pytest.raises(StorageError):  # its version cannot be read, so it cannot match
        target.put("stores/secret", b"x", if_match="0" * 64)
    with pytest.raises(TargetConflictError):  # the name is taken; the link is not written through
        target.put("stores/secret", b"x")
    assert [info.key for info in target.list()] == ["stores/real"]
    target.put("stores/secret", b"replaced", mode="overwrite")  # replaces the link itself
    assert not link.is_symlink()
    assert target.get("stores/secret").data == b"replaced"
    assert tree(outside) == before


def test_a_torn_temp_file_is_never_listed_or_returned(target: LocalDirectoryTarget, root: Path) -> None:
    """What a writer killed between its write and its link leaves: a temp file, never an object."""
    target.put("stores/s1/000001.json", b"whole")
    directory = root / "stores" / "s1"
    torn = directory / f".000002.json.{os.getpid()}-deadbeef.tmp"
    torn.write_bytes(b"half of an obj")
    (directory / ".000001.json.1-cafebabe.tmp").write_bytes(b"wh")  # a torn replace of an object

    assert [info.key for info in target.list()] == ["stores/s1/000001.json"]
    assert target.get("stores/s1/000001.json").data == b"whole"
    with pytest.raises(TargetNotFoundError):
        target.get("stores/s1/000002.json")
    with pytest.raises(InvalidTargetKeyError):
        target.get(f"stores/s1/{torn.name}")
    target.put("stores/s1/000002.json", b"whole too")  # a leftover temp file is no obstacle
    assert target.get("stores/s1/000002.json").data == b"whole too"
    assert torn.read_bytes() == b"half of an obj"


def test_stray_files_that_are_not_keys_are_not_listed(target: LocalDirectoryTarget, root: Path) -> None:
    target.put("stores/k", b"1")
    (root / "stores" / "with space").write_bytes(b"?")
    (root / ".DS_Store").write_bytes(b"?")
    os.mkfifo(root / "stores" / "fifo")
    assert [info.key for info in target.list()] == ["stores/k"]  # the lock file is not a key either


def test_a_fifo_or_device_under_a_key_is_refused_without_waiting(
    target: LocalDirectoryTarget, root: Path
) -> None:
    target.put("stores/k", b"1")
    os.mkfifo(root / "stores" / "fifo")
    with pytest.raises(StorageError, match="not a regular file"):
        target.get("stores/fifo")  # returns at once: opening a FIFO must not wait for a writer


def test_a_key_cannot_also_be_a_prefix_here(target: LocalDirectoryTarget) -> None:
    """A documented limit of directories (S3 allows both): core's key layout never needs it."""
    target.put("stores/a", b"file")
    with pytest.raises(StorageError):
        target.put("stores/a/b", b"under a file")
    assert target.get("stores/a").data == b"file"
