"""Core never follows a symlink where it creates, writes or deletes (issue 12, defect 8).

Before: with ``sessions/<id>.d`` replaced by a symlink to a directory outside the data directory,
journals and lock files were created there and a file named ``000000000001.journal`` in it was
deleted.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sessionkeeper.core import (
    SessionManager,
    StateScope,
    StorageError,
    app_store_paths,
    checkpoint_session,
    session_paths,
)
from tests.edges.support import files_under


def _victim(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "000000000001.journal").write_bytes(b"precious")
    (outside / "lock").write_bytes(b"mine")
    return outside


def _session(data_dir: Path, user_dir: Path) -> str:
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = manager.start()
    manager.set("k", 1)
    manager.set("a", 1, StateScope.APP)
    manager.stop()
    return session_id


def _plant(directory: Path, target: Path) -> None:
    shutil.rmtree(directory)
    directory.symlink_to(target, target_is_directory=True)


def test_a_symlinked_session_folder_is_refused_and_nothing_outside_is_touched(
    tmp_path: Path, data_dir: Path, user_dir: Path
) -> None:
    session_id = _session(data_dir, user_dir)
    outside = _victim(tmp_path)
    before = files_under(outside)
    _plant(session_paths(data_dir, session_id).aux, outside)
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    with pytest.raises(StorageError, match="symbolic link"):
        manager.resume(session_id)
    assert not manager.is_running
    with pytest.raises(StorageError, match="symbolic link"):
        checkpoint_session(data_dir, session_id)
    assert files_under(outside) == before


def test_a_symlinked_store_folder_or_sessions_folder_is_refused(
    tmp_path: Path, data_dir: Path, user_dir: Path
) -> None:
    _session(data_dir, user_dir)
    outside = _victim(tmp_path)
    before = files_under(outside)
    _plant(app_store_paths(data_dir).aux, outside)
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    with pytest.raises(StorageError, match="symbolic link"):
        manager.start()
    assert files_under(outside) == before

    other = tmp_path / "other"
    _session(other, user_dir)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _plant(other / "sessions", elsewhere)
    manager = SessionManager(data_dir=other, user_dir=user_dir, handle_signals=False)
    with pytest.raises(StorageError, match="symbolic link"):
        manager.start()
    assert list(elsewhere.iterdir()) == []


def test_a_folder_swapped_for_a_symlink_while_running_fails_the_checkpoint_only(
    tmp_path: Path, data_dir: Path, user_dir: Path
) -> None:
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = manager.start()
    manager.set("k", 1)
    aux = session_paths(data_dir, session_id).aux
    moved = tmp_path / "moved.d"
    aux.rename(moved)
    outside = _victim(tmp_path)
    before = files_under(outside)
    aux.symlink_to(outside, target_is_directory=True)
    assert manager.checkpoint() is False  # refused, reported, nothing outside touched
    assert "symbolic link" in (manager.last_save_error or "")
    manager.stop()
    assert files_under(outside) == before


def test_the_data_directory_itself_may_be_a_symlink(tmp_path: Path, user_dir: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "RUNS-link"
    link.symlink_to(real, target_is_directory=True)
    session_id = _session(link, user_dir)
    assert (real / "sessions" / f"{session_id}.json").exists()
