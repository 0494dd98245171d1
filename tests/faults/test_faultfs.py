"""The fault file system itself: its errors and its power-loss model (a wrong tool proves nothing)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tests.faults.faultfs import FaultyFileSystem, PowerCut


def _write_new(fs: FaultyFileSystem, path: Path, data: bytes, *, sync: bool = True) -> None:
    fd = fs.create_exclusive(path)
    try:
        fs.write_all(fd, data)
        if sync:
            fs.fsync(fd)
    finally:
        os.close(fd)


def test_points_are_numbered_in_call_order(tmp_path: Path) -> None:
    fs = FaultyFileSystem(tmp_path)
    _write_new(fs, tmp_path / "a", b"x")
    fs.fsync_dir(tmp_path)
    assert [(p.index, p.kind) for p in fs.points] == [
        (0, "create_exclusive"),
        (1, "write_all"),
        (2, "fsync"),
        (3, "fsync_dir"),
    ]


def test_fail_at_raises_the_chosen_errno_once_with_the_file_name(tmp_path: Path) -> None:
    fs = FaultyFileSystem(tmp_path)
    fs.fail_at(0, errno.EACCES)
    with pytest.raises(PermissionError) as caught:
        fs.create_exclusive(tmp_path / "a")
    assert caught.value.filename == str(tmp_path / "a")
    assert not (tmp_path / "a").exists()
    os.close(fs.create_exclusive(tmp_path / "a"))  # the next call runs


def test_fail_kind_fails_every_call_of_that_kind(tmp_path: Path) -> None:
    fs = FaultyFileSystem(tmp_path)
    fs.fail_kind("fsync", errno.EIO)
    fd = fs.create_exclusive(tmp_path / "a")
    try:
        for _ in range(3):
            with pytest.raises(OSError) as caught:
                fs.fsync(fd)
            assert caught.value.errno == errno.EIO
    finally:
        os.close(fd)


def test_torn_append_writes_half_then_fails(tmp_path: Path) -> None:
    fs = FaultyFileSystem(tmp_path)
    fd = fs.open_append(tmp_path / "j")
    fs.fail_at(1, errno.ENOSPC, torn=True)
    try:
        with pytest.raises(OSError, match="No space left"):
            fs.append(fd, b"0123456789")
    finally:
        os.close(fd)
    assert (tmp_path / "j").read_bytes() == b"01234"


def test_crash_after_runs_the_point_then_stops_everything(tmp_path: Path) -> None:
    doomed = tmp_path / "doomed"
    doomed.write_bytes(b"x")
    fs = FaultyFileSystem(tmp_path)
    fs.crash_after(0)
    with pytest.raises(PowerCut):
        fs.unlink(doomed)
    assert not doomed.exists()  # the point itself ran
    with pytest.raises(PowerCut):
        fs.unlink(tmp_path / "anything")
    assert fs.count == 1


def test_power_loss_drops_unsynced_appends_but_keeps_synced_ones(tmp_path: Path) -> None:
    fs = FaultyFileSystem(tmp_path)
    fd = fs.open_append(tmp_path / "j")
    try:
        fs.append(fd, b"one;")
        fs.fsync(fd)
        fs.fsync_dir(tmp_path)
        fs.append(fd, b"two;")
    finally:
        os.close(fd)
    fs.power_loss()
    assert (tmp_path / "j").read_bytes() == b"one;"


def test_power_loss_removes_a_synced_file_whose_directory_was_not_synced(tmp_path: Path) -> None:
    fs = FaultyFileSystem(tmp_path)
    _write_new(fs, tmp_path / "new", b"data")
    fs.power_loss()
    assert not (tmp_path / "new").exists()


def test_power_loss_keeps_an_entry_but_not_unsynced_content(tmp_path: Path) -> None:
    fs = FaultyFileSystem(tmp_path)
    _write_new(fs, tmp_path / "f", b"data", sync=False)
    fs.fsync_dir(tmp_path)
    fs.power_loss()
    assert (tmp_path / "f").read_bytes() == b""


def test_power_loss_undoes_an_unsynced_rename_and_brings_the_old_file_back(tmp_path: Path) -> None:
    (tmp_path / "target").write_bytes(b"old")  # there before: durable
    fs = FaultyFileSystem(tmp_path)
    _write_new(fs, tmp_path / "tmp", b"new")
    fs.replace(tmp_path / "tmp", tmp_path / "target")
    assert (tmp_path / "target").read_bytes() == b"new"
    fs.power_loss()
    assert (tmp_path / "target").read_bytes() == b"old"
    assert not (tmp_path / "tmp").exists()


def test_power_loss_keeps_a_rename_once_the_directory_is_synced(tmp_path: Path) -> None:
    (tmp_path / "target").write_bytes(b"old")
    fs = FaultyFileSystem(tmp_path)
    _write_new(fs, tmp_path / "tmp", b"new")
    fs.replace(tmp_path / "tmp", tmp_path / "target")
    fs.fsync_dir(tmp_path)
    fs.power_loss()
    assert sorted(os.listdir(tmp_path)) == ["target"]
    assert (tmp_path / "target").read_bytes() == b"new"


def test_power_loss_restores_an_unlink_that_was_not_synced(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"keep")
    fs = FaultyFileSystem(tmp_path)
    fs.unlink(tmp_path / "f")
    fs.power_loss()
    assert (tmp_path / "f").read_bytes() == b"keep"


def test_hard_linked_backup_keeps_the_old_bytes_when_the_original_is_replaced(tmp_path: Path) -> None:
    fs = FaultyFileSystem(tmp_path)
    _write_new(fs, tmp_path / "tmp1", b"first")
    fs.replace(tmp_path / "tmp1", tmp_path / "snap")
    fs.fsync_dir(tmp_path)
    _write_new(fs, tmp_path / "tmp2", b"second")
    fs.keep_backup(tmp_path / "snap", tmp_path / "snap.bak")
    fs.replace(tmp_path / "tmp2", tmp_path / "snap")
    fs.fsync_dir(tmp_path)
    fs.power_loss()
    assert (tmp_path / "snap").read_bytes() == b"second"
    assert (tmp_path / "snap.bak").read_bytes() == b"first"


def test_a_new_directory_survives_power_loss_because_its_parent_is_synced(tmp_path: Path) -> None:
    """The model drops a directory whose parent was never synced; core syncs it on creation."""
    fs = FaultyFileSystem(tmp_path)
    fs.make_private_dir(tmp_path / "a" / "b")
    fs.power_loss()
    assert (tmp_path / "a" / "b").is_dir()


def test_new_directory_survives_when_mkdir_is_durable(tmp_path: Path) -> None:
    fs = FaultyFileSystem(tmp_path, mkdir_is_durable=True)
    fs.make_private_dir(tmp_path / "a" / "b")
    fs.power_loss()
    assert (tmp_path / "a" / "b").is_dir()


def test_durable_bytes_predicts_what_power_loss_leaves(tmp_path: Path) -> None:
    fs = FaultyFileSystem(tmp_path)
    _write_new(fs, tmp_path / "f", b"synced")
    assert fs.durable_bytes(tmp_path / "f") is None
    fs.fsync_dir(tmp_path)
    assert fs.durable_bytes(tmp_path / "f") == b"synced"
    fs.power_loss()
    assert (tmp_path / "f").read_bytes() == b"synced"
