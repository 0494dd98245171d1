"""Power loss at every write point of set(), checkpoint(), stop() and recovery.

A workload runs under a :class:`FaultyFileSystem` that cuts the power right after write point
``k``; the tree is then rewritten to what was durable (everything not fsynced is gone, un-fsynced
creates, renames and unlinks are undone) and a fresh manager resumes. With ``fsync="always"``
nothing acknowledged may be lost; with ``"interval"`` nothing acknowledged before the last
completed sync (or checkpoint) may be lost. The session must load in every case.

Unless a test says otherwise, directories that ``make_private_dir`` creates are durable at once
(as journaling file systems behave in practice); the tests at the end use strict POSIX rules.
"""

from __future__ import annotations

import contextlib
import errno
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sessionkeeper.core import SessionManager, StateScope, list_sessions
from tests.faults.faultfs import FaultyFileSystem, PowerCut, WritePoint
from tests.faults.support import Ledger, installed, make_manager, pull_the_plug

USER, APP = StateScope.USER, StateScope.APP


@dataclass
class Trace:
    """What a workload did before the power went: its manager, session and acknowledged writes."""

    ledger: Ledger
    manager: SessionManager | None = None
    session_id: str | None = None
    finished: bool = False
    notes: list[str] = field(default_factory=list)


Workload = Callable[[Path, Trace], None]


def always_workload(root: Path, trace: Trace) -> None:
    """fsync="always": sets in all three scopes, overwrites, three checkpoints, stop()."""
    ledger = trace.ledger
    manager = trace.manager = make_manager(root, fsync="always")
    trace.session_id = manager.start()
    ledger.set(manager, "k1", "v1")
    ledger.set(manager, "theme", "dark", USER)
    ledger.set(manager, "project", "kit", APP)
    manager.checkpoint()
    ledger.set(manager, "k2", [1, 2])
    ledger.set(manager, "k1", "v1b")
    ledger.set(manager, "theme", "light", USER)
    manager.checkpoint()
    ledger.set(manager, "k3", {"x": 1})
    ledger.set(manager, "project", "kit2", APP)
    manager.checkpoint()
    ledger.set(manager, "k4", 4)
    manager.stop()
    trace.finished = True


def interval_workload(root: Path, trace: Trace) -> None:
    """fsync="interval" with the syncs called by hand: what a completed sync covers must survive."""
    ledger = trace.ledger
    manager = trace.manager = make_manager(root, fsync="interval", background=False)
    trace.session_id = manager.start()
    ledger.set(manager, "k1", "v1")
    ledger.set(manager, "theme", "dark", USER)
    manager.sync()
    ledger.acknowledge_all()
    ledger.set(manager, "k2", 2)
    ledger.set(manager, "project", "kit", APP)
    if manager.checkpoint():
        ledger.acknowledge_all()
    ledger.set(manager, "k3", 3)
    ledger.set(manager, "k1", "v1b")
    manager.sync()
    ledger.acknowledge_all()
    ledger.set(manager, "k4", 4)
    ledger.set(manager, "k2", 22)
    manager.stop()
    ledger.acknowledge_all()
    trace.finished = True


def _count(workload: Workload, root: Path, *, durable_when_acknowledged: bool) -> list[WritePoint]:
    fs = FaultyFileSystem(root, mkdir_is_durable=True)
    trace = Trace(Ledger(durable_when_acknowledged=durable_when_acknowledged))
    with installed(fs):
        workload(root, trace)
    assert trace.finished
    return list(fs.points)


def crash_at(
    workload: Workload, root: Path, k: int, *, durable_when_acknowledged: bool = True
) -> tuple[Trace, FaultyFileSystem]:
    """Run ``workload`` with the power cut after write point ``k``, then lose everything unsynced."""
    fs = FaultyFileSystem(root, mkdir_is_durable=True)
    trace = Trace(Ledger(durable_when_acknowledged=durable_when_acknowledged))
    with installed(fs):
        fs.crash_after(k)
        with contextlib.suppress(PowerCut):
            workload(root, trace)
        if trace.manager is not None:
            pull_the_plug(trace.manager)
    fs.power_loss()
    return trace, fs


def recovery_problems(root: Path, trace: Trace) -> list[str]:
    """Resume with the real file system; what is missing or unreadable."""
    manager = make_manager(root)
    try:
        if trace.session_id is None:  # the power went during start(): whatever is there must load
            if list_sessions(root / "RUNS"):
                manager.resume()
            return trace.ledger.missing(manager)
        manager.resume(trace.session_id)
        return trace.ledger.missing(manager, trace.session_id)
    except Exception as exc:
        return [f"resume raised {exc!r}"]
    finally:
        pull_the_plug(manager)


def _matrix(workload: Workload, workdir: Path, name: str, *, durable_when_acknowledged: bool) -> list[str]:
    points = _count(workload, workdir / f"{name}-count", durable_when_acknowledged=durable_when_acknowledged)
    bad = []
    for point in points:
        root = workdir / f"{name}-{point.index}"
        trace, _ = crash_at(workload, root, point.index, durable_when_acknowledged=durable_when_acknowledged)
        problems = recovery_problems(root, trace)
        if problems:
            bad.append(f"power cut after {point}: {problems}")
        shutil.rmtree(root)
    return bad


# -- fsync="always" ----------------------------------------------------------------------------------


def test_always_power_loss_after_any_write_point_loses_no_acknowledged_value(workdir: Path) -> None:
    bad = _matrix(always_workload, workdir, "always", durable_when_acknowledged=True)
    assert not bad, f"{len(bad)} crash point(s) lost data:\n" + "\n".join(bad)


def _recovery_points(root: Path, session_id: str | None) -> list[WritePoint]:
    fs = FaultyFileSystem(root, mkdir_is_durable=True)
    with installed(fs):
        manager = make_manager(root)
        try:
            if session_id is not None:
                manager.resume(session_id)
        finally:
            pull_the_plug(manager)
    return list(fs.points)


def test_power_loss_during_recovery_loses_no_acknowledged_value(workdir: Path) -> None:
    """States after a crash at every 6th point of the workload; recovery cut at each of its points.

    (Every state times every recovery point would take minutes; the stride still lands in the
    middle of every checkpoint and between sets.)
    """
    total = len(_count(always_workload, workdir / "count", durable_when_acknowledged=True))
    bad = []
    for k in range(2, total, 6):
        template = workdir / f"state-{k}"
        trace, _ = crash_at(always_workload, template, k)
        if trace.session_id is None:
            continue
        probe = workdir / "probe"
        shutil.copytree(template, probe)
        recovery = _recovery_points(probe, trace.session_id)
        shutil.rmtree(probe)
        for point in recovery:
            root = workdir / f"state-{k}-recovery-{point.index}"
            shutil.copytree(template, root)
            fs = FaultyFileSystem(root, mkdir_is_durable=True)
            with installed(fs):
                fs.crash_after(point.index)
                manager = make_manager(root)
                try:
                    manager.resume(trace.session_id)
                except PowerCut:
                    pass
                finally:
                    pull_the_plug(manager)
            fs.power_loss()
            problems = recovery_problems(root, trace)
            if problems:
                bad.append(f"workload cut after #{k}, recovery cut after {point}: {problems}")
            shutil.rmtree(root)
        shutil.rmtree(template)
    assert not bad, f"{len(bad)} crash point(s) lost data:\n" + "\n".join(bad)


def test_power_loss_during_start_leaves_no_session_that_cannot_be_resumed(workdir: Path) -> None:
    """A cut right after start() made the session's directory: resuming the latest must still work."""
    fs = FaultyFileSystem(workdir / "count", mkdir_is_durable=True)
    with installed(fs):
        make_manager(workdir / "count", fsync="always").start()
    session_dirs = [
        p for p in fs.points if p.kind == "make_private_dir" and Path(p.target).match("sessions/*.d")
    ]
    assert session_dirs, "start() made no session directory"
    root = workdir / "cut"
    trace, _ = crash_at(always_workload, root, session_dirs[0].index)
    assert trace.session_id is None
    fresh = make_manager(root)
    try:
        resumed = fresh.start(resume_last=True)
        assert fresh.session_id == resumed
    finally:
        pull_the_plug(fresh)


def _checkpoint_points(root: Path) -> tuple[list[WritePoint], int, int]:
    """The write points of the second checkpoint of always_workload, and where it starts/ends."""
    fs = FaultyFileSystem(root, mkdir_is_durable=True)
    trace = Trace(Ledger())
    with installed(fs):
        manager = trace.manager = make_manager(root, fsync="always")
        manager.start()
        manager.set("k1", "v1")
        manager.checkpoint()
        manager.set("k2", "v2")
        start = fs.count
        manager.checkpoint()
        end = fs.count
        pull_the_plug(manager)
    return list(fs.points), start, end


def test_power_loss_between_snapshot_rename_and_directory_fsync_still_loads(workdir: Path) -> None:
    points, start, end = _checkpoint_points(workdir / "count")
    renames = [
        p for p in points[start:end] if p.kind == "replace" and Path(p.target).match("sessions/*.json")
    ]
    assert renames, "the checkpoint renamed no session snapshot"
    root = workdir / "cut"
    fs = FaultyFileSystem(root, mkdir_is_durable=True)
    ledger = Ledger()
    with installed(fs):
        manager = make_manager(root, fsync="always")
        session_id = manager.start()
        ledger.set(manager, "k1", "v1")
        manager.checkpoint()
        ledger.set(manager, "k2", "v2")
        fs.crash_after(renames[0].index)
        with pytest.raises(PowerCut):
            manager.checkpoint()
        pull_the_plug(manager)
    fs.power_loss()
    fresh = make_manager(root)
    try:
        fresh.resume(session_id)
        load = fresh.info().load
        assert load is not None
        assert load.source in ("snapshot", "backup")
        assert ledger.missing(fresh, session_id) == []
    finally:
        pull_the_plug(fresh)


def test_power_loss_at_each_point_of_a_checkpoint_leaves_a_session_that_loads(workdir: Path) -> None:
    points, start, end = _checkpoint_points(workdir / "count")
    bad = []
    for point in points[start:end]:
        root = workdir / f"cut-{point.index}"
        fs = FaultyFileSystem(root, mkdir_is_durable=True)
        ledger = Ledger()
        with installed(fs):
            manager = make_manager(root, fsync="always")
            session_id = manager.start()
            ledger.set(manager, "k1", "v1")
            manager.checkpoint()
            ledger.set(manager, "k2", "v2")
            fs.crash_after(point.index)
            with pytest.raises(PowerCut):
                manager.checkpoint()
            pull_the_plug(manager)
        fs.power_loss()
        fresh = make_manager(root)
        try:
            fresh.resume(session_id)
            lost = ledger.missing(fresh, session_id)
            if lost:
                bad.append(f"power cut after {point}: {lost}")
        except Exception as exc:
            bad.append(f"power cut after {point}: resume raised {exc!r}")
        finally:
            pull_the_plug(fresh)
    assert not bad, "\n".join(bad)


# -- fsync="interval" and "never" ----------------------------------------------------------------------


def test_interval_power_loss_keeps_everything_acknowledged_before_the_last_sync(workdir: Path) -> None:
    bad = _matrix(interval_workload, workdir, "interval", durable_when_acknowledged=False)
    assert not bad, f"{len(bad)} crash point(s) lost synced data:\n" + "\n".join(bad)


def test_interval_sync_after_a_failed_checkpoint_makes_the_earlier_writes_durable(tmp_path: Path) -> None:
    fs = FaultyFileSystem(tmp_path, mkdir_is_durable=True)
    ledger = Ledger(durable_when_acknowledged=False)
    with installed(fs):
        manager = make_manager(tmp_path, fsync="interval", background=False)
        session_id = manager.start()
        ledger.set(manager, "before_failed_checkpoint", "v")
        fs.fail_kind("create_exclusive", errno.ENOSPC)  # no snapshot temp file can be made
        assert manager.checkpoint() is False
        fs.clear_faults()
        manager.sync()  # the next sync completes
        ledger.acknowledge_all()
        pull_the_plug(manager)
    fs.power_loss()
    fresh = make_manager(tmp_path)
    try:
        fresh.resume(session_id)
        assert ledger.missing(fresh, session_id) == []
    finally:
        pull_the_plug(fresh)


def test_interval_sync_after_a_checkpoint_whose_journal_switch_failed_keeps_earlier_writes(
    tmp_path: Path,
) -> None:
    fs = FaultyFileSystem(tmp_path, mkdir_is_durable=True)
    ledger = Ledger(durable_when_acknowledged=False)
    with installed(fs):
        manager = make_manager(tmp_path, fsync="interval", background=False)
        session_id = manager.start()
        ledger.set(manager, "before_failed_checkpoint", "v")
        fs.fail_kind("append", errno.ENOSPC)  # the new journal's header cannot be written
        assert manager.checkpoint() is False
        fs.clear_faults()
        manager.sync()
        ledger.acknowledge_all()
        pull_the_plug(manager)
    fs.power_loss()
    fresh = make_manager(tmp_path)
    try:
        fresh.resume(session_id)
        assert ledger.missing(fresh, session_id) == []
    finally:
        pull_the_plug(fresh)


def test_never_a_completed_checkpoint_makes_every_value_durable(tmp_path: Path) -> None:
    fs = FaultyFileSystem(tmp_path, mkdir_is_durable=True)
    ledger = Ledger(durable_when_acknowledged=False)
    with installed(fs):
        manager = make_manager(tmp_path, fsync="never")
        session_id = manager.start()
        ledger.set(manager, "k1", 1)
        ledger.set(manager, "theme", "dark", USER)
        ledger.set(manager, "project", "kit", APP)
        assert manager.checkpoint() is True
        ledger.acknowledge_all()
        ledger.set(manager, "k2", 2)  # not synced: may be lost
        pull_the_plug(manager)
    fs.power_loss()
    fresh = make_manager(tmp_path)
    try:
        fresh.resume(session_id)
        assert ledger.missing(fresh, session_id) == []
        assert fresh.get("k1") == 1
    finally:
        pull_the_plug(fresh)


def test_never_a_flushed_set_survives_power_loss(tmp_path: Path) -> None:
    fs = FaultyFileSystem(tmp_path, mkdir_is_durable=True)
    with installed(fs):
        manager = make_manager(tmp_path, fsync="never")
        session_id = manager.start()
        manager.set("k1", 1)
        manager.checkpoint()
        manager.set("flushed", "yes", flush=True)
        manager.set("user_flushed", "yes", USER, flush=True)
        pull_the_plug(manager)
    fs.power_loss()
    fresh = make_manager(tmp_path)
    try:
        fresh.resume(session_id)
        assert fresh.get("flushed") == "yes"
        assert fresh.get("user_flushed", USER) == "yes"
    finally:
        pull_the_plug(fresh)


def test_never_unsynced_values_are_really_dropped_by_the_model(tmp_path: Path) -> None:
    """The model at work in the suite: without any sync a value does not survive power loss."""
    fs = FaultyFileSystem(tmp_path, mkdir_is_durable=True)
    with installed(fs):
        manager = make_manager(tmp_path, fsync="never")
        session_id = manager.start()
        manager.set("unsynced", "gone")
        pull_the_plug(manager)
    fs.power_loss()
    fresh = make_manager(tmp_path)
    try:
        fresh.resume(session_id)
        assert fresh.get("unsynced") is None
    finally:
        pull_the_plug(fresh)


# -- strict POSIX directories --------------------------------------------------------------------------


def _set_everywhere_then_lose_power(fs: FaultyFileSystem, root: Path) -> tuple[str, Ledger]:
    ledger = Ledger()
    with installed(fs):
        manager = make_manager(root, fsync="always")
        session_id = manager.start()
        ledger.set(manager, "k1", "v1")
        ledger.set(manager, "theme", "dark", USER)
        ledger.set(manager, "project", "kit", APP)
        pull_the_plug(manager)
    fs.power_loss()
    return session_id, ledger


def _resume_problems(root: Path, session_id: str, ledger: Ledger) -> list[str]:
    fresh = make_manager(root)
    try:
        fresh.resume(session_id)
        return ledger.missing(fresh, session_id)
    except Exception as exc:
        return [f"resume raised {exc!r}"]
    finally:
        pull_the_plug(fresh)


def test_always_values_survive_power_loss_when_the_data_directories_already_existed(tmp_path: Path) -> None:
    for existing in (tmp_path / "RUNS" / "sessions", tmp_path / "user"):
        existing.mkdir(parents=True)
    fs = FaultyFileSystem(tmp_path)  # strict: a new directory needs an fsync of its parent
    session_id, ledger = _set_everywhere_then_lose_power(fs, tmp_path)
    assert _resume_problems(tmp_path, session_id, ledger) == []


def test_always_a_first_run_survives_power_loss_under_posix_directory_rules(tmp_path: Path) -> None:
    fs = FaultyFileSystem(tmp_path)  # strict, and RUNS/ and user/ do not exist yet
    session_id, ledger = _set_everywhere_then_lose_power(fs, tmp_path)
    assert _resume_problems(tmp_path, session_id, ledger) == []
