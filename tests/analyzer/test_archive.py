"""Reports read the history archive with the live sessions, each session once (issue 15)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson

from sessionkeeper.core import (
    ArchivedSession,
    Event,
    HistoryPolicy,
    TaskCompleted,
    TaskStarted,
    apply_retention,
    list_history,
    list_sessions,
    resolve_codec,
    session_paths,
)
from sessionkeeper.core.model.events import encode_event
from sessionkeeper.core.storage.history import write_history
from tests.analyzer.conftest import analyze_dict, utc

Record = Callable[[Sequence[Event]], str]
NOW = utc(2025, 10, 22, 12, 0, 0)


def _run(task_id: str, day: int, *, success: bool = True) -> list[Event]:
    return [
        TaskStarted(task_id=task_id, at=utc(2025, 10, day, 9, 0, 0)),
        TaskCompleted(task_id=task_id, success=success, duration=60.0, at=utc(2025, 10, day, 9, 1, 0)),
    ]


def _retain(data_dir: Path, keep: int) -> None:
    result = apply_retention(data_dir, keep, set(), codec=resolve_codec(), history=HistoryPolicy())
    assert result.kept == ()


def test_eleven_sessions_later_the_report_still_counts_every_task(record: Record, data_dir: Path) -> None:
    for day in range(1, 12):
        record(_run(f"T{day}", day + 10, success=day % 3 != 0))
    _retain(data_dir, 2)
    assert len(list_sessions(data_dir)) == 2
    assert len(list_history(data_dir).files) == 9
    report = analyze_dict(data_dir, now=NOW, days=30)
    assert report["stats"]["total_tasks"] == 11
    assert report["stats"]["failed"] == 3
    assert report["sessions_read"] == 11
    assert report["files_skipped"] == []


def test_a_session_both_archived_and_still_in_the_folder_counts_once(record: Record, data_dir: Path) -> None:
    first = record(_run("ONCE", 20))
    record(_run("OTHER", 20))
    paths = session_paths(data_dir, first)
    saved = {path: path.read_bytes() for path in (paths.snapshot, paths.backup)}
    journals = paths.aux.with_name(paths.aux.name + ".saved")
    shutil.copytree(paths.aux, journals)
    _retain(data_dir, 1)
    # as if the removal after archiving had been cut short: the session files are back
    for path, data in saved.items():
        path.write_bytes(data)
    shutil.copytree(journals, paths.aux)
    shutil.rmtree(journals)
    assert first in {entry.session_id for entry in list_sessions(data_dir)}
    report = analyze_dict(data_dir, now=NOW, days=30)
    assert report["stats"]["total_tasks"] == 2
    assert report["tasks"]["most_run"] == [{"task_id": "ONCE", "count": 1}, {"task_id": "OTHER", "count": 1}]


def _archived(data_dir: Path, task_id: str, day: int, runs: int = 1) -> Path:
    """An archived session of 2025-10-``day`` with ``runs`` runs of ``task_id`` (as retention writes
    one, with its own times)."""
    started = utc(2025, 10, day, 8, 0, 0)
    summary = ArchivedSession(
        session_id=f"session_{started:%Y%m%d_%H%M%S}_{day:08x}", started_at=started,
        ended_at=utc(2025, 10, day, 10, 0, 0), ending="ended", host="laptop",
        keys={"session": 0, "user": 0, "app": 0}, events=2, archived_at=NOW,
    )  # fmt: skip
    events = [orjson.loads(encode_event(event)) for _ in range(runs) for event in _run(task_id, day)]
    return write_history(data_dir, summary, events, resolve_codec())


def test_archived_sessions_outside_the_period_are_not_opened(record: Record, data_dir: Path) -> None:
    record(_run("NEWEST", 22))  # first: its start() would expire 2025's history on today's clock
    old = _archived(data_dir, "OLD", 1)  # 21 days before NOW
    _archived(data_dir, "RECENT", 21)
    old.write_bytes(b"damaged, and never read by a 7-day report")
    week = analyze_dict(data_dir, now=NOW, days=7)
    assert week["files_skipped"] == []
    assert week["stats"]["total_tasks"] == 2
    month = analyze_dict(data_dir, now=NOW, days=30)  # the damaged file is in this period: named
    skipped = {item["file"]: item["reason"] for item in month["files_skipped"]}
    assert skipped == {f"history/{old.name}": "unreadable"}
    assert month["stats"]["total_tasks"] == 2


def test_files_in_the_archive_that_are_not_archive_files_are_named(record: Record, data_dir: Path) -> None:
    record(_run("A", 20))
    record(_run("B", 21))
    _retain(data_dir, 1)
    (data_dir / "history" / "notes.txt").write_text("mine")
    report = analyze_dict(data_dir, now=NOW, days=30)
    skipped = {item["file"]: item["reason"] for item in report["files_skipped"]}
    assert skipped == {"history/notes.txt": "bad_name"}
    assert report["stats"]["total_tasks"] == 2
    assert (data_dir / "history" / "notes.txt").read_text() == "mine"  # never touched


def test_an_oversized_archive_file_is_named_and_never_read(record: Record, data_dir: Path) -> None:
    record(_run("NEWEST", 22))
    big = _archived(data_dir, "BIG", 21, runs=200)  # far larger than the live session's files
    report = analyze_dict(data_dir, now=NOW, days=7, max_session_bytes=big.stat().st_size - 1)
    skipped = {item["file"]: item["reason"] for item in report["files_skipped"]}
    assert skipped == {f"history/{big.name}": "too_large"}
    assert report["stats"]["total_tasks"] == 1
