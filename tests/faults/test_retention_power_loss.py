"""Power loss at every write point of retention with the history archive (issue 15).

Retention archives each old session (an atomic, fsynced write into ``history/``) before removing
its files. Cut the power after any write point and rewrite the tree to what was durable: every
session must still be whole somewhere — in ``sessions/``, in ``history/``, or both — and the next
retention must finish the job with exactly one archive file per session, holding all its events.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from sessionkeeper.core import (
    CommandExecuted,
    CorruptSessionError,
    HistoryPolicy,
    SessionkeeperError,
    TaskStarted,
    apply_retention,
    list_history,
    list_sessions,
    read_history,
    read_session,
    resolve_codec,
)
from tests.faults.faultfs import FaultyFileSystem, PowerCut
from tests.faults.support import installed, make_manager, pull_the_plug

KEEP = 1


def _sessions(root: Path) -> dict[str, list[Any]]:
    """Three sessions with events, made with the real file system; their events by id."""
    events: dict[str, list[Any]] = {}
    for number in range(3):
        manager = make_manager(root, max_sessions=100)
        session_id = manager.start()
        manager.record(TaskStarted(task_id=f"T{number}"))
        manager.record(CommandExecuted(command=f"make {number}", exit_code=number % 2))
        manager.stop()
        events[session_id] = list(read_session(root / "RUNS", session_id).event_data)
    pull_the_plug(manager)
    return events


def _retain(root: Path) -> None:
    apply_retention(root / "RUNS", KEEP, set(), codec=resolve_codec(), history=HistoryPolicy())


def _whole_copies(root: Path, session_id: str, expected: list[Any]) -> list[str]:
    """Where ``session_id`` is whole now: "live" (its session files), "archive" (its history file)."""
    found = []
    data_dir = root / "RUNS"
    if any(entry.session_id == session_id for entry in list_sessions(data_dir)):
        try:
            if list(read_session(data_dir, session_id).event_data) == expected:
                found.append("live")
        except SessionkeeperError:
            pass
    for file in list_history(data_dir).files:
        if file.session_id == session_id:
            try:
                if read_history(file, resolve_codec())[1] == expected:
                    found.append("archive")
            except CorruptSessionError:
                pass
    return found


def test_power_loss_at_each_point_of_retention_loses_no_session(workdir: Path) -> None:
    base = workdir / "base"
    events = _sessions(base)
    order = [entry.session_id for entry in list_sessions(base / "RUNS")]  # oldest first
    old = order[:-KEEP]
    counting = workdir / "count"
    shutil.copytree(base, counting)
    fs = FaultyFileSystem(counting, mkdir_is_durable=False)
    with installed(fs):
        _retain(counting)
    points = list(fs.points)
    kinds = {point.kind for point in points}
    assert {"replace", "fsync_dir", "unlink", "remove_tree"} <= kinds
    bad = []
    for point in points:
        root = workdir / f"cut-{point.index}"
        shutil.copytree(base, root)
        fs = FaultyFileSystem(root, mkdir_is_durable=False)
        with installed(fs):
            fs.crash_after(point.index)
            with pytest.raises(PowerCut):
                _retain(root)
        fs.power_loss()
        for session_id in old:
            if not _whole_copies(root, session_id, events[session_id]):
                bad.append(f"power cut after {point}: {session_id} is whole nowhere")
        _retain(root)  # the next retention, on a healthy disk
        listing = list_history(root / "RUNS")
        assert sorted(f.session_id for f in listing.files) == sorted(old), point
        assert listing.superseded == (), point
        assert [e.session_id for e in list_sessions(root / "RUNS")] == [s for s in events if s not in old]
        for session_id in old:
            assert _whole_copies(root, session_id, events[session_id]) == ["archive"], point
    assert not bad, "\n".join(bad)
