"""Recovery with real files: damaged snapshots, torn journals, crashed processes, lock-free readers."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from sessionkeeper.core import (
    CommandExecuted,
    CorruptSessionError,
    SessionManager,
    StateScope,
    read_session,
    session_paths,
)
from sessionkeeper.core.storage import journal, loader
from sessionkeeper.core.storage.layout import StorePaths
from tests.conftest import journal_scan, run_python, sealed_record, stored_document

Reopen = Callable[..., SessionManager]

# What the crashed child below acknowledged, and in which generation of files it ended up.
EXPECTED = {
    "in_backup": ["setup"],  # in the backup snapshot
    "in_snapshot": {"feature": "authentication"},  # only in the newest snapshot and its journal
    "journal_only": "acknowledged, never checkpointed",  # only in the current journal
    "deleted_later": None,
}

_CRASHING_CHILD = """
import os
from sessionkeeper.core import CommandExecuted, SessionManager, StateScope
s = SessionManager(handle_signals=False)
sid = s.start()
s.set("in_backup", ["setup"])
s.set("deleted_later", 1)
s.checkpoint()
s.set("in_snapshot", {"feature": "authentication"})
s.record(CommandExecuted(command="make test", exit_code=0))
s.checkpoint()
s.delete("deleted_later")
s.set("journal_only", "acknowledged, never checkpointed")
s.set("user:theme", "dark", StateScope.USER)
s.set("project:name", "kit", StateScope.APP)
s.set("temp:cache", object(), StateScope.TEMP)
s.record(CommandExecuted(command="pytest", exit_code=1))
print(sid, flush=True)
os._exit(0)  # no stop(), no atexit, no final checkpoint
"""


def _crashed_session() -> str:
    """A session written by a child process that died without saving; returns its id."""
    status, out, err = run_python(_CRASHING_CHILD, dict(os.environ))
    assert status == 0, err
    return out.strip()


def _assert_everything_acknowledged_is_there(manager: SessionManager) -> None:
    for key, value in EXPECTED.items():
        assert manager.get(key) == value, key
    keys = set(manager.keys())
    assert {k for k, v in EXPECTED.items() if v is not None} <= keys
    assert "deleted_later" not in keys
    events = manager.events()
    assert all(isinstance(e, CommandExecuted) for e in events)
    assert [(e.command, e.exit_code) for e in events if isinstance(e, CommandExecuted)] == [
        ("make test", 0),
        ("pytest", 1),
    ]
    assert manager.get("user:theme", StateScope.USER) == "dark"
    assert manager.get("project:name", StateScope.APP) == "kit"


def _file_bytes(paths: StorePaths) -> dict[str, bytes]:
    files = {paths.snapshot.name: paths.snapshot.read_bytes(), paths.backup.name: paths.backup.read_bytes()}
    for epoch in paths.journal_epochs():
        files[paths.journal(epoch).name] = paths.journal(epoch).read_bytes()
    return files


def test_an_acknowledged_set_without_checkpoint_survives_a_process_that_exits_via_os_exit(
    data_dir: Path, reopen: Reopen
) -> None:
    session_id = _crashed_session()
    view = read_session(data_dir, session_id)
    assert view.get("journal_only") == EXPECTED["journal_only"]
    assert view.report.dropped == ()

    manager = reopen()
    assert manager.resume(session_id) == session_id
    _assert_everything_acknowledged_is_there(manager)
    assert manager.get("temp:cache", StateScope.TEMP) is None
    load = manager.info().load
    assert load is not None
    assert load.source == "snapshot"
    assert load.journal_records == 3  # delete, set, event after the last checkpoint
    assert load.dropped == ()


# -- damaged snapshot: the backup plus the journals hold everything -----------------------------------


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(512))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _wrong_document(path: Path) -> None:
    path.write_bytes(b'{"format_version": 2, "scope_data": []}')


CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "truncated": _truncate,
    "garbage": _garbage,
    "empty": _empty,
    "valid-json-not-a-session": _wrong_document,
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=list(CORRUPTIONS))
def test_resume_with_a_corrupt_snapshot_loads_backup_plus_journals_and_reports_it(
    corrupt: Callable[[Path], None], data_dir: Path, reopen: Reopen
) -> None:
    session_id = _crashed_session()
    paths = session_paths(data_dir, session_id)
    assert paths.backup.exists()
    corrupt(paths.snapshot)

    view = read_session(data_dir, session_id)
    assert view.report.source == "backup"
    assert view.get("journal_only") == EXPECTED["journal_only"]

    manager = reopen()
    assert manager.resume(session_id) == session_id
    _assert_everything_acknowledged_is_there(manager)
    load = manager.info().load
    assert load is not None
    assert load.source == "backup"
    assert any(paths.snapshot.name in line and "snapshot" in line for line in load.dropped), load.dropped

    # The next save replaces the damaged snapshot; nothing is lost on the way.
    manager.set("after_recovery", True)
    manager.stop()
    again = reopen()
    again.resume(session_id)
    _assert_everything_acknowledged_is_there(again)
    assert again.get("after_recovery") is True
    load = again.info().load
    assert load is not None
    assert (load.source, load.dropped) == ("snapshot", ())


def test_recover_returns_a_load_summary_naming_the_backup_and_the_dropped_snapshot(
    data_dir: Path, reopen: Reopen
) -> None:
    session_id = _crashed_session()
    paths = session_paths(data_dir, session_id)
    _truncate(paths.snapshot)
    manager = reopen()
    summary = manager.recover(session_id)
    assert summary.session_id == session_id
    assert summary.source == "backup"
    assert summary.journal_records >= 4
    assert any(paths.snapshot.name in line for line in summary.dropped)
    assert manager.info().load == summary
    _assert_everything_acknowledged_is_there(manager)


def test_a_corrupt_snapshot_is_never_made_the_backup(data_dir: Path, reopen: Reopen) -> None:
    session_id = _crashed_session()
    paths = session_paths(data_dir, session_id)
    good_backup = paths.backup.read_bytes()
    _garbage(paths.snapshot)
    manager = reopen()
    manager.resume(session_id)
    manager.checkpoint()
    assert paths.backup.read_bytes() == good_backup
    assert stored_document(paths.snapshot)["session_id"] == session_id


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=list(CORRUPTIONS))
def test_corrupt_snapshot_and_backup_raise_corrupt_session_error_and_leave_the_files_alone(
    corrupt: Callable[[Path], None], data_dir: Path, reopen: Reopen
) -> None:
    session_id = _crashed_session()
    paths = session_paths(data_dir, session_id)
    corrupt(paths.snapshot)
    _garbage(paths.backup)
    before = _file_bytes(paths)

    manager = reopen()
    with pytest.raises(CorruptSessionError) as raised:
        manager.resume(session_id)
    message = str(raised.value)
    assert paths.snapshot.name in message
    assert paths.backup.name in message
    assert "unreadable" in message
    assert not manager.is_running

    with pytest.raises(CorruptSessionError):
        manager.recover(session_id)
    with pytest.raises(CorruptSessionError):
        read_session(data_dir, session_id)
    assert _file_bytes(paths) == before


def test_a_damaged_first_snapshot_without_backup_is_rebuilt_from_the_journals(
    data_dir: Path, reopen: Reopen
) -> None:
    """Before the second checkpoint there is no backup, but no journal has been deleted either:
    replaying them from epoch 1 restores every acknowledged change."""
    code = (
        "import os\n"
        "from sessionkeeper.core import SessionManager\n"
        "s = SessionManager(handle_signals=False)\n"
        "print(s.start(), flush=True)\n"
        "s.set('only_in_the_journal', {'a': 1})\n"
        "os._exit(0)\n"
    )
    status, out, err = run_python(code, dict(os.environ))
    assert status == 0, err
    session_id = out.strip()
    paths = session_paths(data_dir, session_id)
    assert not paths.backup.exists()
    assert paths.journal_epochs()[0] == 1
    _garbage(paths.snapshot)

    manager = reopen()
    manager.recover(session_id)
    assert manager.get("only_in_the_journal") == {"a": 1}
    load = manager.info().load
    assert load is not None
    assert any(paths.snapshot.name in line for line in load.dropped)


def test_a_damaged_user_scope_file_without_backup_does_not_stop_sessions_from_starting(
    user_dir: Path, reopen: Reopen
) -> None:
    """user.json is shared by every project of the user: its first snapshot has no backup, but its
    journals still hold every change."""
    first = reopen()
    first.start()
    first.set("user:theme", "dark", StateScope.USER)
    first.stop()
    assert not (user_dir / "user.json.bak").exists()
    _garbage(user_dir / "user.json")

    manager = reopen()
    manager.start()
    assert manager.get("user:theme", StateScope.USER) == "dark"


# -- torn journal tail -----------------------------------------------------------------------------


def test_a_torn_tail_on_the_current_journal_is_reported_not_applied_and_everything_before_it_loads(
    data_dir: Path, reopen: Reopen
) -> None:
    session_id = _crashed_session()
    paths = session_paths(data_dir, session_id)
    current = paths.journal(paths.journal_epochs()[-1])
    intact_size = current.stat().st_size
    record = sealed_record(session_id, journal.set_payload("torn", orjson.dumps("half-written")))
    fd = os.open(current, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, record[: len(record) // 2])
    finally:
        os.close(fd)

    view = read_session(data_dir, session_id)
    assert view.get("journal_only") == EXPECTED["journal_only"]
    assert view.get("torn") is None
    assert any("torn" in line for line in view.report.warnings + view.report.dropped)

    manager = reopen()
    manager.resume(session_id)
    _assert_everything_acknowledged_is_there(manager)
    assert manager.get("torn") is None
    load = manager.info().load
    assert load is not None
    assert any(current.name in line and "torn" in line for line in load.warnings + load.dropped)

    manager.set("after_the_tear", "appended after the cut")
    assert read_session(data_dir, session_id).get("after_the_tear") == "appended after the cut"
    # Nothing is ever appended behind the torn bytes: they stay a tail (or are cut off).
    scanned = journal_scan(current)
    assert all(damage.torn_tail for damage in scanned.damage)
    assert scanned.good_end == intact_size
    manager.stop()
    again = reopen()
    again.resume(session_id)
    _assert_everything_acknowledged_is_there(again)
    assert again.get("after_the_tear") == "appended after the cut"
    load = again.info().load
    assert load is not None
    assert load.warnings == ()
    assert load.dropped == ()


def test_a_torn_tail_left_by_a_crashed_writer_does_not_hide_later_writes(
    data_dir: Path, reopen: Reopen
) -> None:
    """A torn tail, then a process that appends and crashes again: its records must be loaded."""
    session_id = _crashed_session()
    paths = session_paths(data_dir, session_id)
    current = paths.journal(paths.journal_epochs()[-1])
    with current.open("ab") as file:
        file.write(sealed_record(session_id, journal.set_payload("torn", orjson.dumps("x")))[:7])
    code = (
        "import os\n"
        "from sessionkeeper.core import SessionManager\n"
        "s = SessionManager(handle_signals=False)\n"
        f"s.resume({session_id!r})\n"
        "s.set('second_crash', [1, 2])\n"
        "os._exit(0)\n"
    )
    status, _, err = run_python(code, dict(os.environ))
    assert status == 0, err
    manager = reopen()
    manager.resume(session_id)
    _assert_everything_acknowledged_is_there(manager)
    assert manager.get("second_crash") == [1, 2]


# -- lock-free readers --------------------------------------------------------------------------------


def _assert_view_matches(data_dir: Path, manager: SessionManager) -> None:
    assert manager.session_id is not None
    view = read_session(data_dir, manager.session_id)
    keys = manager.keys()
    assert view.keys() == keys
    for key in keys:
        assert view.get(key) == manager.get(key), key
    assert view.events() == manager.events()
    assert view.report.dropped == ()


def test_read_session_sees_what_the_running_writer_sees(data_dir: Path, manager: SessionManager) -> None:
    _assert_view_matches(data_dir, manager)
    manager.set("feature", "authentication")
    manager.set("tasks", ["a", "b"])
    manager.set("when", datetime(2024, 1, 1, tzinfo=UTC))
    manager.record(CommandExecuted(command="ls", exit_code=0))
    _assert_view_matches(data_dir, manager)

    manager.checkpoint()
    _assert_view_matches(data_dir, manager)

    manager.set("tasks", ["a", "b", "c"])
    manager.delete("feature")
    manager.set("count", 3)
    manager.record(CommandExecuted(command="pytest", exit_code=1))
    _assert_view_matches(data_dir, manager)
    manager.checkpoint()
    manager.set("count", 4)
    _assert_view_matches(data_dir, manager)


def test_read_session_changes_no_file_and_does_not_block_the_writer(
    data_dir: Path, manager: SessionManager
) -> None:
    manager.set("a", 1)
    assert manager.session_id is not None
    paths = session_paths(data_dir, manager.session_id)
    before = {
        path.name: path.read_bytes() for path in (paths.snapshot, *map(paths.journal, paths.journal_epochs()))
    }
    for _ in range(3):
        read_session(data_dir, manager.session_id)
    after = {
        path.name: path.read_bytes() for path in (paths.snapshot, *map(paths.journal, paths.journal_epochs()))
    }
    assert after == before
    manager.set("b", 2)  # the writer goes on while readers come and go
    assert read_session(data_dir, manager.session_id).get("b") == 2


# -- oversized files --------------------------------------------------------------------------------


LEGACY_SESSION_ID = "session_20240101_120000_abcdef01"


def _legacy_oversized(data_dir: Path) -> Path:
    """A legacy-layout session file padded (sparsely, so it costs no disk) past the snapshot limit."""
    path = session_paths(data_dir, LEGACY_SESSION_ID).snapshot
    path.parent.mkdir(parents=True)
    document = {
        "session_id": LEGACY_SESSION_ID,
        "started_at": "2024-01-01T12:00:00",
        "last_checkpoint": "2024-01-01T12:30:00",
        "context_hash": "0" * 16,
        "state_data": {},
        "scope_data": {"session": {"feature": "x"}, "user": {}, "app": {}, "temp": {}},
    }
    path.write_bytes(orjson.dumps(document))
    os.truncate(path, loader.MAX_SNAPSHOT_BYTES + 1)
    if path.stat().st_blocks * 512 > 1 << 20:  # the file system wrote the zeros out
        path.unlink()
        pytest.skip("this file system has no sparse files: an over-limit file would really be written")
    return path


def test_read_session_refuses_a_legacy_file_over_the_size_limit_without_reading_it(data_dir: Path) -> None:
    path = _legacy_oversized(data_dir)
    with pytest.raises(CorruptSessionError) as raised:
        read_session(data_dir, LEGACY_SESSION_ID)
    assert "limit" in str(raised.value)
    assert path.stat().st_size == loader.MAX_SNAPSHOT_BYTES + 1


def test_resume_refuses_a_legacy_file_over_the_size_limit_without_reading_it(
    data_dir: Path, reopen: Reopen
) -> None:
    path = _legacy_oversized(data_dir)
    manager = reopen()
    with pytest.raises(CorruptSessionError) as raised:
        manager.resume(LEGACY_SESSION_ID)
    assert "limit" in str(raised.value)
    assert not manager.is_running
    assert path.stat().st_size == loader.MAX_SNAPSHOT_BYTES + 1
