"""ENOSPC, EIO and EACCES at every write point of set(), checkpoint(), start() and resume().

Each operation is first run with a counting fault file system to learn its write points, then run
again once per point and errno with that point failing. After each run the suite checks what a
user relies on: the error is a documented one that says which file failed (or, for checkpoint(),
is returned as False with ``info().last_save_error``), every acknowledged value is still on disk,
no snapshot or backup is damaged, no temporary file is left behind, the program can go on once the
fault clears, and a fresh manager resumes every acknowledged value.
"""

from __future__ import annotations

import errno
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sessionkeeper.core import (
    SessionkeeperError,
    SessionManager,
    StateScope,
    list_sessions,
    read_session,
    session_paths,
)
from tests.faults.conftest import JournalWrite
from tests.faults.faultfs import ERRNOS, FaultyFileSystem, WritePoint
from tests.faults.support import (
    Ledger,
    damaged_files,
    installed,
    make_manager,
    names_a_file,
    pull_the_plug,
    temp_files,
)

OPERATIONS = ("set", "checkpoint", "start", "resume")


@dataclass
class Outcome:
    """What happened when one write point of one operation failed."""

    op: str
    errno_name: str
    point: WritePoint
    hit: bool = True  # the failing point was the expected kind of call
    raised: Exception | None = None
    returned: object = None
    save_error: str | None = None
    lost_on_disk: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    stale_live: list[str] = field(default_factory=list)
    went_on: str | None = None
    lost_after_resume: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        what = f"raised {self.raised!r}" if self.raised is not None else f"returned {self.returned!r}"
        return f"{self.op}() with {self.errno_name} at {self.point}: {what}"


@dataclass
class _Run:
    root: Path
    ledger: Ledger
    seeded: SessionManager
    session_id: str
    actor: SessionManager
    other_session: str | None = None


def _seed(root: Path, fsync: str = "always") -> _Run:
    """A session with a snapshot, a backup and journal-only values, in USER and APP too."""
    ledger = Ledger()
    manager = make_manager(root, fsync=fsync)
    session_id = manager.start()
    ledger.set(manager, "seed", 1)
    ledger.set(manager, "theme", "dark", StateScope.USER)
    ledger.set(manager, "project", "kit", StateScope.APP)
    assert manager.checkpoint()
    ledger.set(manager, "second", 2)
    ledger.set(manager, "font", "mono", StateScope.USER)
    ledger.set(manager, "owner", "me", StateScope.APP)
    assert manager.checkpoint()  # now every store has a snapshot and a backup
    ledger.set(manager, "journaled", [1, 2])
    ledger.set(manager, "theme", "light", StateScope.USER)
    ledger.set(manager, "project", "kit2", StateScope.APP)
    return _Run(root, ledger, manager, session_id, manager)


def _prepare(op: str, root: Path) -> _Run:
    run = _seed(root)
    if op in ("start", "resume"):  # the seeding process died; a new one starts or resumes
        pull_the_plug(run.seeded)
        run.actor = make_manager(root, fsync="always")
    return run


def _act(op: str, run: _Run) -> object:
    if op == "set":
        run.ledger.set(run.actor, "seed", 100)
        return None
    if op == "checkpoint":
        return run.actor.checkpoint()
    if op == "start":
        run.other_session = run.actor.start()
        return run.other_session
    return run.actor.resume(run.session_id)


def _stale_live(run: _Run) -> list[str]:
    """Sessions that look live (their ``live`` lock is held) though no manager runs them."""
    running = {m.session_id for m in (run.seeded, run.actor) if m.is_running}
    return [e.session_id for e in list_sessions(run.root / "RUNS") if e.live and e.session_id not in running]


def _go_on(op: str, run: _Run, failed: bool) -> str | None:
    """Once the fault has cleared, the same program carries on; returns what went wrong, if anything."""
    actor = run.actor
    try:
        if op == "start" and failed:
            run.other_session = actor.start()
        elif op == "resume" and failed:
            actor.resume(run.session_id)
        if op == "resume":
            lost = run.ledger.missing(actor, run.session_id)
            if lost:
                return f"resumed in memory without {lost}"
        run.ledger.set(actor, "after", 1)
        if not actor.checkpoint():
            return f"the next checkpoint() failed too: {actor.info().last_save_error}"
        run.ledger.set(actor, "after_checkpoint", 2)
    except Exception as exc:
        return f"{exc!r}"
    return None


def _snapshots(run: _Run) -> list[Path]:
    """The snapshot of every store of the seeded session (each exists once seeded)."""
    paths = [
        run.root / "RUNS" / "sessions" / f"{run.session_id}.json",
        run.root / "user" / "user.json",
        run.root / "RUNS" / "app.json",
    ]
    assert all(p.exists() for p in paths), paths
    return paths


def _lost_on_disk(run: _Run) -> list[str]:
    try:
        view = read_session(run.root / "RUNS", run.session_id)
    except Exception as exc:
        return [f"read_session raised {exc!r}"]
    return run.ledger.missing_in_values(run.session_id, {k: view.get(k) for k in view.values})


def _final_resume(run: _Run) -> list[str]:
    lost = []
    for session_id in dict.fromkeys(s for s in (run.session_id, run.other_session) if s):
        fresh = make_manager(run.root)
        try:
            fresh.resume(session_id)
            lost += [f"{session_id}: {problem}" for problem in run.ledger.missing(fresh, session_id)]
        except Exception as exc:
            lost.append(f"resume({session_id}) raised {exc!r}")
        finally:
            pull_the_plug(fresh)
    return lost


def _count_points(op: str, root: Path) -> list[WritePoint]:
    fs = FaultyFileSystem(root)
    with installed(fs):
        run = _prepare(op, root)
        start = fs.count
        _act(op, run)
        points = [WritePoint(p.index - start, p.kind, p.target) for p in fs.points_since(start)]
        for manager in (run.seeded, run.actor):
            pull_the_plug(manager)
    return points


def _run_with_fault(op: str, root: Path, point: WritePoint, code: int) -> Outcome:
    outcome = Outcome(op, errno.errorcode[code], point)
    fs = FaultyFileSystem(root)
    with installed(fs):
        run = _prepare(op, root)
        snapshots = _snapshots(run)
        start = fs.count
        fs.fail_at(start + point.index, code)
        try:
            outcome.returned = _act(op, run)
        except Exception as exc:
            outcome.raised = exc
        fs.clear_faults()
        reached = fs.points_since(start)
        outcome.hit = len(reached) > point.index and reached[point.index].kind == point.kind
        outcome.save_error = run.actor.info().last_save_error
        outcome.lost_on_disk = _lost_on_disk(run)
        outcome.damaged = damaged_files(root) + [f"{p.name} is gone" for p in snapshots if not p.exists()]
        outcome.leftovers = temp_files(root)
        outcome.stale_live = _stale_live(run)
        failed = outcome.raised is not None or outcome.returned is False
        outcome.went_on = _go_on(op, run, failed)
        for manager in (run.seeded, run.actor):
            pull_the_plug(manager)
    outcome.lost_after_resume = _final_resume(run)
    return outcome


_CACHE: dict[tuple[str, str, str], list[Outcome]] = {}


def _outcomes(op: str, errno_name: str, scratch: Path, codec_name: str) -> list[Outcome]:
    """Every write point of ``op`` failed in turn with ``errno_name`` (computed once per module and
    codec: the codec's settings are in the environment while the module's tests run under it)."""
    key = (op, errno_name, codec_name)
    if key not in _CACHE:
        base = scratch / f"{codec_name}-{op}-{errno_name}"
        points = _count_points(op, base / "count")
        assert points, f"{op}() reached no write point"
        _CACHE[key] = [_run_with_fault(op, base / f"p{p.index}", p, ERRNOS[errno_name]) for p in points]
    return _CACHE[key]


@pytest.fixture(
    scope="module",
    params=[(op, name) for op in OPERATIONS for name in ERRNOS],
    ids=lambda param: f"{param[0]}-{param[1]}",
)
def outcomes(request: pytest.FixtureRequest, scratch: Path, codec_name: str) -> list[Outcome]:
    op, errno_name = request.param
    return _outcomes(op, errno_name, scratch, codec_name)


@pytest.fixture(scope="module", params=list(ERRNOS))
def checkpoint_outcomes(request: pytest.FixtureRequest, scratch: Path, codec_name: str) -> list[Outcome]:
    return _outcomes("checkpoint", request.param, scratch, codec_name)


def _report(bad: list[str]) -> str:
    return f"{len(bad)} failing point(s):\n" + "\n".join(bad)


# -- every operation ---------------------------------------------------------------------------------


def test_each_failing_point_is_the_call_counted_for_it(outcomes: list[Outcome]) -> None:
    bad = [str(o) for o in outcomes if not o.hit]
    assert not bad, _report(bad)


def test_no_injected_error_vanishes_silently(outcomes: list[Outcome]) -> None:
    bad = [str(o) for o in outcomes if o.raised is None and o.returned is not False and o.save_error is None]
    assert not bad, _report(bad)


def test_only_documented_error_types_escape(outcomes: list[Outcome]) -> None:
    bad = [
        str(o)
        for o in outcomes
        if o.raised is not None and not isinstance(o.raised, SessionkeeperError | OSError)
    ]
    assert not bad, _report(bad)


def test_errors_say_which_file_failed(outcomes: list[Outcome]) -> None:
    bad = []
    for o in outcomes:
        if o.raised is not None and not isinstance(o.raised, SessionkeeperError):
            if not names_a_file(o.raised):
                bad.append(f"{o}: message names no file")
        elif o.save_error is not None and not names_a_file(o.save_error):
            bad.append(f"{o}: last_save_error {o.save_error!r} names no file")
    assert not bad, _report(bad)


def test_acknowledged_values_are_on_disk_right_after_the_failure(outcomes: list[Outcome]) -> None:
    bad = [f"{o}: {o.lost_on_disk}" for o in outcomes if o.lost_on_disk]
    assert not bad, _report(bad)


def test_snapshots_stay_in_place_and_snapshots_and_backups_stay_readable(outcomes: list[Outcome]) -> None:
    bad = [f"{o}: {o.damaged}" for o in outcomes if o.damaged]
    assert not bad, _report(bad)


def test_no_temporary_file_is_left_behind(outcomes: list[Outcome]) -> None:
    bad = [f"{o}: {o.leftovers}" for o in outcomes if o.leftovers]
    assert not bad, _report(bad)


def test_a_session_that_failed_to_open_is_not_left_looking_live(outcomes: list[Outcome]) -> None:
    bad = [f"{o}: {o.stale_live} still locked live" for o in outcomes if o.stale_live]
    assert not bad, _report(bad)


def test_the_program_goes_on_once_the_fault_clears(outcomes: list[Outcome]) -> None:
    bad = [f"{o}: {o.went_on}" for o in outcomes if o.went_on is not None]
    assert not bad, _report(bad)


def test_a_fresh_manager_resumes_every_acknowledged_value(outcomes: list[Outcome]) -> None:
    bad = [f"{o}: {o.lost_after_resume}" for o in outcomes if o.lost_after_resume]
    assert not bad, _report(bad)


# -- checkpoint ---------------------------------------------------------------------------------------


def test_a_failed_checkpoint_returns_false_and_sets_last_save_error(
    checkpoint_outcomes: list[Outcome],
) -> None:
    bad = [
        str(o)
        for o in checkpoint_outcomes
        if o.raised is not None or o.returned is not False or not o.save_error
    ]
    assert not bad, _report(bad)


def _seeded_session(root: Path, fsync: str = "always") -> tuple[FaultyFileSystem, _Run, Path]:
    fs = FaultyFileSystem(root)
    with installed(fs):
        run = _seed(root, fsync)
    snapshot = root / "RUNS" / "sessions" / f"{run.session_id}.json"
    return fs, run, snapshot


def test_a_snapshot_whose_fsync_failed_is_never_renamed_into_place(tmp_path: Path) -> None:
    fs, run, snapshot = _seeded_session(tmp_path)
    before, backup_before = snapshot.read_bytes(), Path(f"{snapshot}.bak").read_bytes()
    fs.fail_kind("fsync", errno.EIO)
    with installed(fs):
        assert run.actor.checkpoint() is False
        pull_the_plug(run.actor)
    assert snapshot.read_bytes() == before
    assert Path(f"{snapshot}.bak").read_bytes() == backup_before


def test_a_torn_snapshot_write_leaves_the_snapshot_and_backup_as_they_were(tmp_path: Path) -> None:
    fs, run, snapshot = _seeded_session(tmp_path)
    before, backup_before = snapshot.read_bytes(), Path(f"{snapshot}.bak").read_bytes()
    fs.fail_kind("write_all", errno.ENOSPC, torn=True)
    with installed(fs):
        assert run.actor.checkpoint() is False
        assert "No space left" in (run.actor.info().last_save_error or "")
        pull_the_plug(run.actor)
    assert snapshot.read_bytes() == before
    assert Path(f"{snapshot}.bak").read_bytes() == backup_before
    assert temp_files(tmp_path) == []


def test_a_disk_that_stays_full_fails_checkpoints_but_loses_nothing(tmp_path: Path) -> None:
    fs, run, _ = _seeded_session(tmp_path)
    with installed(fs):
        kinds = ("create_exclusive", "open_append", "open_in_place", "append", "write_at", "allocate")
        for kind in (*kinds, "write_all", "fsync", "fsync_dir"):
            fs.fail_kind(kind, errno.ENOSPC)
        assert run.actor.checkpoint() is False
        assert run.actor.checkpoint() is False
        fs.clear_faults()
        run.ledger.set(run.actor, "after_space_freed", True)
        assert run.actor.checkpoint() is True
        pull_the_plug(run.actor)
    assert damaged_files(tmp_path) == []
    assert _final_resume(run) == []


def test_a_disk_that_keeps_refusing_gets_checkpoints_that_back_off(tmp_path: Path) -> None:
    """After a failed fsync the background thread checkpoints at once; if that keeps failing it
    waits longer each time instead of retrying (and starting a journal) every few milliseconds."""
    fs = FaultyFileSystem(tmp_path)
    with installed(fs):
        manager = make_manager(tmp_path, fsync="interval", fsync_interval=0.05)
        session_id = manager.start()
        manager.set("acknowledged", 1)
        for kind in ("fsync", "create_exclusive"):  # journals cannot be synced, snapshots not made
            fs.fail_kind(kind, errno.EIO)
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            time.sleep(0.05)
        paths = session_paths(tmp_path / "RUNS", session_id)
        attempts = len(paths.journal_epochs())
        assert 1 <= attempts <= 6  # about 1 + 1 s + 2 s: without backing off, hundreds
        assert manager.last_save_error is not None
        fs.clear_faults()
        assert manager.checkpoint() is True
        pull_the_plug(manager)
    assert read_session(tmp_path / "RUNS", session_id).get("acknowledged") == 1


# -- set ----------------------------------------------------------------------------------------------


def test_a_torn_journal_append_loses_no_acknowledged_value(
    tmp_path: Path, journal_write: JournalWrite
) -> None:
    fs, run, _ = _seeded_session(tmp_path, journal_write.fsync)
    with installed(fs):
        fs.fail_kind(journal_write.kind, errno.ENOSPC, torn=True)
        with pytest.raises(OSError, match="No space left"):
            run.ledger.set(run.actor, "seed", 100)
        fs.clear_faults()
        run.ledger.set(run.actor, "after", "yes")
        pull_the_plug(run.actor)
    assert _final_resume(run) == []


def test_a_torn_journal_append_is_not_reported_as_lost_data_on_resume(
    tmp_path: Path, journal_write: JournalWrite
) -> None:
    fs, run, _ = _seeded_session(tmp_path, journal_write.fsync)
    with installed(fs):
        fs.fail_kind(journal_write.kind, errno.ENOSPC, torn=True)
        with pytest.raises(OSError):
            run.ledger.set(run.actor, "seed", 100)
        fs.clear_faults()
        run.ledger.set(run.actor, "after", "yes")
        pull_the_plug(run.actor)
    fresh = make_manager(tmp_path)
    try:
        summary = fresh.recover(run.session_id)
    finally:
        pull_the_plug(fresh)
    assert summary.dropped == ()


def test_a_torn_append_is_never_cut_into_another_processs_record(tmp_path: Path) -> None:
    """The writer that owns the journal appends without the lock, another process appends with it.
    When the owner's append is torn, the bytes after its last record are another process's whole
    record plus the torn part: cutting back to the owner's last record would delete that record."""
    fs = FaultyFileSystem(tmp_path)
    with installed(fs):
        ledger = Ledger()
        owner = make_manager(tmp_path)
        session_id = owner.start()
        other = make_manager(tmp_path)
        other.resume(session_id)  # its journal is the current one now...
        ledger.set(owner, "follows", 1)
        assert owner.checkpoint()  # ...until the owner seals it and owns the next one
        ledger.set(other, "small", 2)  # a short record after the owner's last one
        fs.fail_kind("append", errno.ENOSPC, torn=True)
        with pytest.raises(OSError, match="No space left"):
            owner.set("large", "x" * 2000)  # torn: half of it lands after the other's record
        fs.clear_faults()
        ledger.set(owner, "after", 3)
        pull_the_plug(owner)
        pull_the_plug(other)
    fresh = make_manager(tmp_path)
    try:
        fresh.recover(session_id)
        assert ledger.missing(fresh, session_id) == []
        assert fresh.get("large") is None
    finally:
        pull_the_plug(fresh)


def test_a_failed_set_leaves_the_old_value_in_memory(tmp_path: Path, journal_write: JournalWrite) -> None:
    fs, run, _ = _seeded_session(tmp_path, journal_write.fsync)
    manager: Any = run.actor
    with installed(fs):
        fs.fail_kind(journal_write.kind, errno.EIO)
        with pytest.raises(OSError):
            manager.set("seed", 100)
        fs.clear_faults()
        assert manager.get("seed") == 1
        pull_the_plug(manager)
