"""A clean stop packs a plain store's backup (zstd): much smaller at rest, the same document when read.

Under a codec that compresses or encrypts, the backup is sealed already and a stop leaves it alone.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkeeper.core import CorruptSessionError, SessionManager, StateScope, read_session, session_paths
from sessionkeeper.core.codec.envelope import inspect_envelope
from sessionkeeper.core.storage.catalog import user_store_paths
from tests.conftest import open_stored, stored_document

Reopen = Callable[..., SessionManager]

VALUES = {
    f"task:{n:05d}": {"status": "done", "tries": n % 4, "secs": n / 7, "tags": ["ci", "lint"]}
    for n in range(3000)
}


def _session_with_a_backup(reopen: Reopen) -> str:
    """A session with two checkpoints (so a backup) of VALUES, stopped cleanly; returns its id."""
    manager = reopen()
    session_id = manager.start()
    for key, value in VALUES.items():
        manager.set(key, value)
    manager.set("theme", "dark", StateScope.USER)
    assert manager.checkpoint()
    manager.set("last", "set before the stop")
    manager.set("font", "mono", StateScope.USER)
    manager.stop()
    return session_id


def _assert_everything_is_there(manager: SessionManager, *, last: bool) -> None:
    assert {key: manager.get(key) for key in VALUES} == VALUES
    assert manager.get("last") == ("set before the stop" if last else None)


def test_a_clean_stop_packs_a_plain_backup_and_a_sealed_one_is_left_as_it_was(
    data_dir: Path, reopen: Reopen, codec_name: str
) -> None:
    session_id = _session_with_a_backup(reopen)
    paths = session_paths(data_dir, session_id)
    backup = paths.backup.read_bytes()
    info = inspect_envelope(backup)
    if codec_name == "plain":
        assert info.compressed
        assert not info.encrypted
        assert len(backup) * 3 < paths.snapshot.stat().st_size
    # Whatever its form, it opens to the previous snapshot: the checkpoint's, without "last".
    document = stored_document(paths.backup)
    assert document["session_id"] == session_id
    assert "last" not in document["scope_data"]["session"]
    assert len(document["scope_data"]["session"]) == len(VALUES)


def test_a_damaged_snapshot_loads_from_the_packed_backup_plus_the_journals(
    data_dir: Path, reopen: Reopen
) -> None:
    session_id = _session_with_a_backup(reopen)
    paths = session_paths(data_dir, session_id)
    paths.snapshot.write_bytes(b"{ damaged")
    view = read_session(data_dir, session_id)
    assert view.report.source == "backup"
    manager = reopen()
    manager.resume(session_id)
    load = manager.info().load
    assert load is not None
    assert load.source == "backup"
    # The journals after the backup were kept until the snapshot that replaced it was itself
    # made the backup: nothing acknowledged is lost.
    _assert_everything_is_there(manager, last=True)


def test_a_packed_backup_with_a_flipped_bit_is_damage_and_no_file_changes(
    data_dir: Path, reopen: Reopen
) -> None:
    session_id = _session_with_a_backup(reopen)
    paths = session_paths(data_dir, session_id)
    paths.snapshot.write_bytes(b"{ damaged")
    packed = bytearray(paths.backup.read_bytes())
    packed[len(packed) // 2] ^= 0x10
    paths.backup.write_bytes(bytes(packed))
    before = {path: path.read_bytes() for path in (paths.snapshot, paths.backup)}
    with pytest.raises(CorruptSessionError, match=paths.backup.name):
        reopen().resume(session_id)
    assert {path: path.read_bytes() for path in before} == before


def test_the_user_scope_backup_is_packed_too(user_dir: Path, reopen: Reopen) -> None:
    manager = reopen()
    manager.start()
    for key, value in VALUES.items():
        manager.set(key, value, StateScope.USER)
    assert manager.checkpoint()
    manager.set("theme", "dark", StateScope.USER)
    manager.stop()
    paths = user_store_paths(user_dir)
    assert inspect_envelope(
        paths.backup.read_bytes()
    ).compressed  # packed, or sealed by a codec that compresses
    assert stored_document(paths.backup)["values"] == VALUES  # the checkpoint's, before "theme"


@pytest.mark.plain_only("the size of a plain backup")
def test_a_small_backup_is_left_as_plain_json(data_dir: Path, reopen: Reopen) -> None:
    manager = reopen()
    session_id = manager.start()
    manager.set("task", {"status": "running"})
    assert manager.checkpoint()
    manager.stop()
    backup = session_paths(data_dir, session_id).backup.read_bytes()
    assert backup.startswith(b"{")  # a few hundred bytes: not worth an fsync at every stop
    assert len(backup) < 64 << 10


@pytest.mark.plain_only("what a plain store does without the optional zstandard")
def test_without_zstandard_the_backup_stays_plain_json(
    data_dir: Path, reopen: Reopen, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "zstandard", None)  # `import zstandard` raises ImportError
    session_id = _session_with_a_backup(reopen)
    paths = session_paths(data_dir, session_id)
    assert paths.backup.read_bytes().startswith(b"{")
    assert open_stored(paths.backup) == paths.backup.read_bytes()


@pytest.mark.plain_only("a planted symlink in place of a plain backup")
def test_a_symlink_planted_as_the_backup_is_neither_followed_nor_replaced_by_the_packing(
    data_dir: Path, reopen: Reopen, tmp_path: Path
) -> None:
    session_id = _session_with_a_backup(reopen)
    paths = session_paths(data_dir, session_id)
    target = tmp_path / "elsewhere.json"
    target.write_bytes(b'{"not": "a session"}')
    paths.backup.unlink()
    os.symlink(target, paths.backup)
    manager = reopen()
    manager.resume(session_id)
    manager.stop()  # nothing changed: no snapshot is written, only the packing is tried
    assert paths.backup.is_symlink()
    assert target.read_bytes() == b'{"not": "a session"}'
