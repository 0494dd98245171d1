"""The history archive (issue 15): retention moves a session's events and summary there first.

Every test runs under each codec of the matrix (plain, zstd, encrypted...): the archive is written
through the same codec as the sessions.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sessionkeeper.core import (
    PLAIN,
    ArchivedSession,
    CommandExecuted,
    CorruptSessionError,
    HistoryPolicy,
    KeyRequiredError,
    SessionManager,
    StateScope,
    TaskCompleted,
    TaskStarted,
    apply_retention,
    expire_history,
    history_dir,
    list_history,
    list_sessions,
    plan_retention,
    read_history,
    resolve_codec,
    session_paths,
)
from sessionkeeper.core.storage.history import write_history
from tests.conftest import is_plain


def _session(data_dir: Path, user_dir: Path, task: str, *, crash: bool = False) -> str:
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, max_sessions=1000)
    session_id = manager.start()
    manager.set("task", task)
    manager.set("theme", "dark", StateScope.USER)
    manager.record(TaskStarted(task_id=task, title=f"작업 {task}"))
    manager.record(CommandExecuted(command="pytest -q", exit_code=1, duration=2.5, task_id=task))
    manager.record(TaskCompleted(task_id=task, success=False, duration=3.0, error="boom"))
    if crash:
        manager.abandon()
    else:
        manager.stop()
    return session_id


def _retain(data_dir: Path, keep: int, **kwargs: object) -> object:
    options: dict[str, object] = {"codec": resolve_codec(), "history": HistoryPolicy()}
    options.update(kwargs)
    return apply_retention(data_dir, keep, set(), **options)  # type: ignore[arg-type]


def test_retention_archives_events_and_summary_before_removing(data_dir: Path, user_dir: Path) -> None:
    ids = [_session(data_dir, user_dir, f"T{i}", crash=i == 1) for i in range(4)]
    expected_events = _events_of(data_dir, ids[0])
    result = _retain(data_dir, 2)
    assert result.removed == result.archived == tuple(ids[:2])  # type: ignore[attr-defined]
    assert [e.session_id for e in list_sessions(data_dir)] == ids[2:]
    # the archive orders by end time to the second (its names'): same-second sessions by id
    files = sorted(list_history(data_dir).files, key=lambda f: ids.index(f.session_id))
    assert [f.session_id for f in files] == ids[:2]
    first, events = read_history(files[0], resolve_codec())
    assert isinstance(first, ArchivedSession)
    assert events == expected_events
    assert (first.ending, first.events, first.keys) == ("ended", 3, {"session": 1, "user": 1, "app": 0})
    assert first.host == os.uname().nodename
    assert first.started_at <= first.ended_at <= first.archived_at
    second = read_history(files[1], resolve_codec())[0]
    assert second.ending == "crashed"  # abandoned as a dying process would
    # sealed like the sessions: nothing readable without the codec unless it is plain
    raw = files[0].path.read_bytes()
    assert (b"pytest -q" in raw) is is_plain()


def _events_of(data_dir: Path, session_id: str) -> list[object]:
    from sessionkeeper.core import read_session

    return list(read_session(data_dir, session_id).event_data)


def test_a_dry_run_plans_exactly_what_retention_then_does(data_dir: Path, user_dir: Path) -> None:
    ids = [_session(data_dir, user_dir, f"T{i}") for i in range(5)]
    before = sorted(p.name for p in (data_dir / "sessions").iterdir())
    planned = [entry.session_id for entry in plan_retention(data_dir, 3, set())]
    assert sorted(p.name for p in (data_dir / "sessions").iterdir()) == before  # nothing changed
    assert not history_dir(data_dir).exists()
    assert planned == ids[:2]
    assert list(_retain(data_dir, 3).removed) == planned  # type: ignore[attr-defined]


def test_archiving_off_deletes_events_with_the_session(data_dir: Path, user_dir: Path) -> None:
    ids = [_session(data_dir, user_dir, f"T{i}") for i in range(3)]
    result = _retain(data_dir, 1, history=HistoryPolicy(days=0))
    assert result.removed == tuple(ids[:2])  # type: ignore[attr-defined]
    assert result.archived == ()  # type: ignore[attr-defined]
    assert list_history(data_dir).files == ()


def test_a_session_that_cannot_be_read_whole_is_kept_and_named(data_dir: Path, user_dir: Path) -> None:
    ids = [_session(data_dir, user_dir, f"T{i}") for i in range(4)]
    paths = session_paths(data_dir, ids[0])
    damaged = bytearray(paths.snapshot.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    paths.snapshot.write_bytes(bytes(damaged))
    paths.backup.write_bytes(bytes(damaged))
    before = paths.snapshot.read_bytes()
    result = _retain(data_dir, 2)
    assert [k.session_id for k in result.kept] == [ids[0]]  # type: ignore[attr-defined]
    assert result.removed == (ids[1],)  # type: ignore[attr-defined]
    assert paths.snapshot.read_bytes() == before  # never changed, never deleted
    assert [f.session_id for f in list_history(data_dir).files] == [ids[1]]  # one file: no order


def test_without_the_key_nothing_is_archived_or_removed(data_dir: Path, user_dir: Path) -> None:
    if is_plain():
        pytest.skip("the sessions are not sealed with a key in this codec")
    ids = [_session(data_dir, user_dir, f"T{i}") for i in range(3)]
    result = _retain(data_dir, 1, codec=PLAIN)
    if resolve_codec().settings.cipher is None:  # compressed only: PLAIN still opens zstd files
        assert result.removed == tuple(ids[:2])  # type: ignore[attr-defined]
        return
    assert [k.session_id for k in result.kept] == ids[:2]  # type: ignore[attr-defined]
    assert result.removed == ()  # type: ignore[attr-defined]
    assert [e.session_id for e in list_sessions(data_dir)] == ids


def test_an_archived_file_opens_only_with_its_own_name_and_intact(data_dir: Path, user_dir: Path) -> None:
    ids = [_session(data_dir, user_dir, f"T{i}") for i in range(3)]
    _retain(data_dir, 1)
    first, second = list_history(data_dir).files
    # swapped: each file is bound to (and says) its session id
    data_first, data_second = first.path.read_bytes(), second.path.read_bytes()
    first.path.write_bytes(data_second)
    with pytest.raises(CorruptSessionError):
        read_history(first, resolve_codec())
    first.path.write_bytes(data_first)
    for cut in (len(data_first) // 2, len(data_first) - 5):
        first.path.write_bytes(data_first[:cut])
        with pytest.raises(CorruptSessionError):
            read_history(first, resolve_codec())
    flipped = bytearray(data_first)
    flipped[len(flipped) // 3] ^= 0x01
    first.path.write_bytes(bytes(flipped))
    with pytest.raises((CorruptSessionError, KeyRequiredError)):
        read_history(first, resolve_codec())
    assert ids


def test_a_kill_between_archiving_and_removing_is_finished_by_the_next_retention(
    data_dir: Path, user_dir: Path
) -> None:
    ids = [_session(data_dir, user_dir, f"T{i}") for i in range(3)]
    entry = list_sessions(data_dir)[0]
    from sessionkeeper.core.storage.retention import _archive

    _archive(data_dir, entry, resolve_codec(), datetime.now(UTC))  # the step a kill interrupted
    assert entry.paths.snapshot.exists()
    result = _retain(data_dir, 2)
    assert result.removed == (ids[0],)  # type: ignore[attr-defined]
    listing = list_history(data_dir)
    assert [f.session_id for f in listing.files] == [ids[0]]
    assert listing.superseded == ()


def test_the_archive_keeps_history_days_then_fits_its_size(data_dir: Path) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    codec = resolve_codec()
    ended = {}
    for age_days in (400, 200, 30, 1):
        when = now - timedelta(days=age_days)
        session_id = f"session_{when:%Y%m%d_%H%M%S}_{age_days:08x}"
        summary = ArchivedSession(
            session_id=session_id, started_at=when, ended_at=when, ending="ended", host="h",
            keys={"session": 0}, events=1, archived_at=now,
        )  # fmt: skip
        write_history(data_dir, summary, [{"kind": "TaskStarted", "task_id": "x" * 2000}], codec)
        ended[age_days] = session_id
    expired = expire_history(data_dir, HistoryPolicy(days=365), now)
    assert expired == [ended[400]]
    sizes = [f.size for f in list_history(data_dir).files]
    limit = sum(sizes[1:]) + 1  # room for all but the oldest remaining one
    assert expire_history(data_dir, HistoryPolicy(days=365, max_bytes=limit), now) == [ended[200]]
    assert [f.session_id for f in list_history(data_dir).files] == [ended[30], ended[1]]


def test_a_symlink_in_place_of_the_archive_stops_retention_from_removing(
    data_dir: Path, user_dir: Path, tmp_path: Path
) -> None:
    ids = [_session(data_dir, user_dir, f"T{i}") for i in range(3)]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    history_dir(data_dir).symlink_to(elsewhere)
    result = _retain(data_dir, 1)
    assert result.removed == ()  # type: ignore[attr-defined]
    assert [k.session_id for k in result.kept] == ids[:2]  # type: ignore[attr-defined]
    assert list(elsewhere.iterdir()) == []
    assert len(list_sessions(data_dir)) == 3


def test_start_archives_and_says_so(data_dir: Path, user_dir: Path) -> None:
    for i in range(3):
        _session(data_dir, user_dir, f"T{i}")
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, max_sessions=2)
    manager.start()
    manager.stop()
    assert manager.last_retention is not None
    assert len(manager.last_retention.archived) == 2
    assert len(list_history(data_dir).files) == 2
