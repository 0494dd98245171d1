"""The cheap listing of a sessions folder (``scan_session_files``), which ``list_sessions``,
``remove_ghosts`` and the analyzer all build on (issue 13: core is the one place that knows
file names).

It looks at directory entries only: it opens no file, probes no lock, follows no symlink planted
in the sessions folder, and names the files that claim to be a session's but whose name is not
a session id.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import sessionkeeper.core
from sessionkeeper.core import (
    FoundFile,
    SessionManager,
    SessionScan,
    list_sessions,
    scan_session_files,
    session_paths,
    sessions_dir,
)
from sessionkeeper.core.storage import catalog
from sessionkeeper.core.storage import scan as scan_module
from sessionkeeper.core.storage.layout import journal_epoch

ONE = "session_20250101_000000_0000000a"
TWO = "session_20250102_000000_0000000b"
THREE = "session_20250103_000000_0000000c"
GOOD_DOC = b'{"format_version": 2, "session_id": "%s", "started_at": "2025-01-01T00:00:00+00:00"}'


def _folder(data_dir: Path) -> Path:
    folder = sessions_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _file(path: Path, kind: str, size: int) -> FoundFile:
    return FoundFile(path.parent, path.name, kind, size)  # type: ignore[arg-type]


def _by_id(scan: SessionScan) -> dict[str, object]:
    return {found.session_id: found for found in scan.sessions}


def test_no_sessions_folder_is_an_empty_scan(data_dir: Path) -> None:
    scan = scan_session_files(data_dir)
    assert scan.sessions == ()
    assert scan.strays == ()
    assert scan.directory == sessions_dir(data_dir)


def test_the_scan_is_public_and_lazy() -> None:
    for name in ("FoundFile", "ScannedSession", "SessionScan", "StrayFile", "scan_session_files"):
        assert name in sessionkeeper.core.__all__
        assert getattr(sessionkeeper.core, name) is getattr(scan_module, name)


def test_files_journals_and_sizes(data_dir: Path) -> None:
    one = session_paths(data_dir, ONE)
    _write(one.snapshot, GOOD_DOC % ONE.encode())
    _write(one.backup, b"x" * 7)
    _write(one.journal(2), b"j" * 5)
    _write(one.journal(10), b"j" * 3)
    _write(one.aux / "2.journal", b"j")  # an unpadded epoch is still epoch 2's name: both counted
    _write(one.lock, b"")
    _write(one.aux / "notes.journal", b"not a journal")
    _write(one.aux / "99999999999999999999.journal", b"past MAX_EPOCH: never published")
    two = session_paths(data_dir, TWO)
    _write(two.backup, b"b" * 11)  # a backup only
    three = session_paths(data_dir, THREE)
    three.aux.mkdir(parents=True)  # a folder only: a ghost

    scan = scan_session_files(data_dir)

    assert [found.session_id for found in scan.sessions] == [ONE, TWO, THREE]
    first, second, third = scan.sessions
    assert first.paths == one
    assert first.snapshot == _file(one.snapshot, "file", len(GOOD_DOC % ONE.encode()))
    assert first.backup == _file(one.backup, "file", 7)
    assert first.folder == _file(one.aux, "directory", 0)
    assert [epoch for epoch, _ in first.journals] == [2, 2, 10]
    assert first.journal_bytes == 5 + 1 + 3
    assert first.stored
    assert first.first_file.path == one.snapshot
    assert [epoch for epoch, _ in first.journals] == sorted(one.journal_epochs())  # one rule for both
    assert second.snapshot is None
    assert second.folder is None
    assert second.first_file.path == two.backup
    assert second.stored
    assert third.folder is not None
    assert not third.stored
    assert third.first_file.path == three.aux
    assert scan.strays == ()

    entries = {entry.session_id: entry for entry in list_sessions(data_dir)}
    assert set(entries) == {ONE, TWO}  # the ghost is left out
    assert entries[ONE].size == first.snapshot.size + 7 + first.journal_bytes
    assert entries[TWO].size == 11
    assert not entries[TWO].has_snapshot
    assert entries[TWO].has_backup


def test_stray_files_are_named_with_what_they_claim_and_why(data_dir: Path) -> None:
    folder = _folder(data_dir)
    _write(session_paths(data_dir, ONE).snapshot, GOOD_DOC % ONE.encode())
    for name in (
        "notes.json",
        "session_bad.json",
        "session_20251399_250000_0000abcd.json",  # the shape of an id, not a date
        "session_bad.json.bak",
        "old.d",
        f"{ONE}.d.json",
        f"{ONE.upper()}.json",
    ):
        _write(folder / name, b"{}")
    (folder / "Session_Folder.d").mkdir()
    for name in ("current", "README.txt", f".{ONE}.json.1234-abcd.tmp", ONE, f"{ONE}.json.old"):
        _write(folder / name, b"neither a session's file nor claiming to be one")

    scan = scan_session_files(data_dir)

    assert [found.session_id for found in scan.sessions] == [ONE]
    assert [(stray.name, stray.role) for stray in scan.strays] == sorted(
        [
            ("notes.json", "snapshot"),
            ("session_bad.json", "snapshot"),
            ("session_20251399_250000_0000abcd.json", "snapshot"),
            ("session_bad.json.bak", "backup"),
            ("old.d", "journals"),
            (f"{ONE}.d.json", "snapshot"),
            (f"{ONE.upper()}.json", "snapshot"),
            ("Session_Folder.d", "journals"),
        ]
    )
    assert all("not a session id" in stray.reason for stray in scan.strays)
    assert [entry.session_id for entry in list_sessions(data_dir)] == [ONE]


def test_symlinks_planted_in_the_sessions_folder_are_not_followed(data_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _write(outside / "big.json", b"x" * 4096)
    _write(outside / "journals" / "000000000001.journal", b"j" * 999)
    folder = _folder(data_dir)
    one, two = session_paths(data_dir, ONE), session_paths(data_dir, TWO)
    one.snapshot.symlink_to(outside / "big.json")
    one.aux.symlink_to(outside / "journals", target_is_directory=True)
    two.backup.symlink_to(outside / "nowhere.json")  # dangling
    (folder / "notes.json").symlink_to(outside / "big.json")

    scan = scan_session_files(data_dir)
    found = _by_id(scan)

    first = scan.sessions[0]
    assert first.snapshot == _file(one.snapshot, "symlink", 0)  # not the target's 4096 bytes
    assert first.folder == _file(one.aux, "symlink", 0)
    assert first.journals == ()
    assert first.folder_error is None
    assert found[TWO].backup == _file(two.backup, "symlink", 0)  # type: ignore[attr-defined]
    assert [stray.name for stray in scan.strays] == ["notes.json"]

    entries = {entry.session_id: entry for entry in list_sessions(data_dir)}
    assert entries[ONE].size == 0
    assert not entries[ONE].live
    assert not entries[ONE].legacy
    assert os.listdir(outside / "journals") == ["000000000001.journal"]  # nothing created there


def test_a_zero_byte_file_and_a_directory_named_like_a_session_file(data_dir: Path) -> None:
    one, two = session_paths(data_dir, ONE), session_paths(data_dir, TWO)
    _write(one.snapshot, b"")
    two.snapshot.mkdir(parents=True)
    _write(two.backup, b"b" * 3)

    scan = scan_session_files(data_dir)

    first, second = scan.sessions
    assert first.snapshot == _file(one.snapshot, "file", 0)
    assert first.stored
    assert second.snapshot == _file(two.snapshot, "directory", 0)
    assert second.backup == _file(two.backup, "file", 3)
    assert second.first_file.path == two.snapshot
    entries = {entry.session_id: entry for entry in list_sessions(data_dir)}
    assert entries[ONE].size == 0
    assert entries[ONE].has_snapshot
    assert entries[TWO].size == 3
    assert entries[TWO].has_snapshot


def test_a_fifo_named_like_a_snapshot_is_listed_without_being_opened(data_dir: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    one = session_paths(data_dir, ONE)
    _folder(data_dir)
    os.mkfifo(one.snapshot)
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(list_sessions(data_dir)), daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "list_sessions opened the FIFO (and waits for a writer forever)"
    assert scan_session_files(data_dir).sessions[0].snapshot == _file(one.snapshot, "other", 0)


def test_an_unlistable_session_folder_is_said_not_fatal(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = session_paths(data_dir, ONE)
    _write(one.snapshot, GOOD_DOC % ONE.encode())
    _write(one.journal(1), b"j")
    real_open = os.open

    def refusing_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if Path(str(path)) == one.aux:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing_open)
    (found,) = scan_session_files(data_dir).sessions

    assert found.journals == ()
    assert found.folder_error == f"cannot list {one.aux.name}: Permission denied"
    assert found.stored  # its snapshot is still there
    assert [entry.session_id for entry in list_sessions(data_dir)] == [ONE]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_session_folder_on_disk(data_dir: Path) -> None:
    one = session_paths(data_dir, ONE)
    _write(one.snapshot, GOOD_DOC % ONE.encode())
    _write(one.journal(1), b"j")
    one.aux.chmod(0)
    try:
        (found,) = scan_session_files(data_dir).sessions
    finally:
        one.aux.chmod(0o700)
    assert found.journals == ()
    assert found.folder_error is not None


def test_an_entry_that_cannot_be_looked_at_is_unknown(tmp_path: Path) -> None:
    class Refusing:
        name = "x"

        def is_symlink(self) -> bool:
            return False

        def is_dir(self, *, follow_symlinks: bool = True) -> bool:
            raise PermissionError(13, "Permission denied")

    class Vanished(Refusing):
        def is_dir(self, *, follow_symlinks: bool = True) -> bool:
            raise FileNotFoundError(2, "No such file or directory")

    assert scan_module._found(Refusing(), tmp_path) == _file(tmp_path / "x", "unknown", 0)  # type: ignore[arg-type]
    assert scan_module._found(Vanished(), tmp_path) is None  # type: ignore[arg-type]


def test_a_sessions_folder_that_cannot_be_listed_raises(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    sessions_dir(data_dir).write_bytes(b"a file where the folder should be")
    with pytest.raises(OSError):
        scan_session_files(data_dir)


def test_journal_names(tmp_path: Path) -> None:
    paths = session_paths(tmp_path, ONE)
    assert journal_epoch(paths.journal(7).name) == 7
    for name in ("lock", "live", "identity", "x.journal", "1.journal.tmp", "1", ".1.journal", "-1.journal"):
        assert journal_epoch(name) is None, name


def test_remove_ghosts_removes_only_unheld_empty_session_folders(data_dir: Path, user_dir: Path) -> None:
    ghost, kept = session_paths(data_dir, ONE), session_paths(data_dir, TWO)
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    live_id = manager.start()  # a live session (its start removes ghosts too: make them after it)
    ghost.aux.mkdir(parents=True)
    _write(kept.journal(1), b"j")
    try:
        removed = catalog.remove_ghosts(data_dir)
        assert removed == [ONE]
        assert not ghost.aux.exists()
        assert kept.aux.exists()
        assert session_paths(data_dir, live_id).aux.exists()
        assert {found.session_id for found in scan_session_files(data_dir).sessions} == {TWO, live_id}
    finally:
        manager.stop()
