"""The Store under the fault-injection file system (``tests/faults/faultfs.py``): every write
point of a writer's life — opening, appends that start a journal or go on with one, a delete, an
event, a checkpoint — fails once (an I/O error, or a write torn half-way), or the power goes off
right after it. Afterwards the store loads to the state before the change that failed or after
it, never anything else: nothing acknowledged is lost and nothing wrong appears; a failed
checkpoint leaves the journals carrying everything, even through a power loss; and once the
fault clears the same writer goes on."""

from __future__ import annotations

import errno
import functools
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.faultfs import FaultyFileSystem, PowerCut
from tests.faults.support import installed, temp_files
from tests.store_spec.adapter import Content, SpecStore, StoreKind, content, load
from tests.store_spec.conftest import MakeStore

Step = Callable[[SpecStore], object]

# Each run installs a fault file system of its own.
pytestmark = pytest.mark.parametrize("file_system", ["os"], indirect=True)


def _steps(kind: StoreKind) -> list[Step]:
    """A writer's life after it is made and opened, every change acknowledged durably (synced)."""
    steps: list[Step] = [
        functools.partial(SpecStore.set, key="first", value="starts a journal", sync=True),
        functools.partial(SpecStore.set, key="seeded", value="replaced", sync=True),
        functools.partial(SpecStore.delete, key="journal_only", sync=True),
    ]
    if kind.events:
        steps.append(
            functools.partial(SpecStore.record, event={"kind": "task_started", "task_id": "t"}, sync=True)
        )
    return [*steps, SpecStore.checkpoint, functools.partial(SpecStore.set, key="after", value=1, sync=True)]


@dataclass
class Run:
    """One run of a writer's life under a fault: how far it got."""

    store: SpecStore | None
    done: int  # steps acknowledged (0: the writer did not even open)
    raised: BaseException | None


def _live(make_store: MakeStore, kind: StoreKind, directory: Path) -> Run:
    """Make and open a writer on ``directory`` and run :func:`_steps` until one raises."""
    store = None
    done = 0
    try:
        store = make_store(directory)
        store.open()
        done = 1
        for step in _steps(kind):
            step(store)
            done += 1
    except (OSError, PowerCut) as exc:
        return Run(store, done, exc)
    return Run(store, done, None)


@pytest.fixture
def seed(make_store: MakeStore, workdir: Path) -> Path:
    """A store with a snapshot, a backup and journal-only values, written on the real file system."""
    store = make_store(workdir / "seed")
    store.open()
    store.set("seeded", "in the backup")
    store.checkpoint()
    store.set("in_snapshot", True)
    store.checkpoint()
    store.set("journal_only", "acknowledged")
    store.close()
    return store.directory


@dataclass
class Plan:
    """What a fault-free run goes through: its write points, and the content after each step."""

    points: list[tuple[int, str]]  # (number, kind) of every write point, in order
    steps: list[range]  # steps[i]: the numbers of the write points of step i (0: making and opening)
    states: list[Content]  # states[i]: the content after step i (states[0]: the seed, as opened)

    def allowed(self, run: Run) -> list[Content]:
        """What the store may hold after ``run``: the state its last acknowledged step left, or
        the one the step that failed would have left (its record may have landed)."""
        if run.raised is None:
            return [self.states[-1]]
        return self.states[max(run.done - 1, 0) : run.done + 1]


@pytest.fixture
def plan(make_store: MakeStore, kind: StoreKind, seed: Path, workdir: Path) -> Plan:
    directory = _copy(seed, workdir / "plan")
    fs = FaultyFileSystem(directory, mkdir_is_durable=True)
    states: list[Content] = []
    steps: list[range] = []
    with installed(fs):
        store = make_store(directory)
        store.open()
        steps.append(range(fs.count))
        states.append(store.content())
        for step in _steps(kind):
            start = fs.count
            step(store)
            steps.append(range(start, fs.count))
            states.append(store.content())
        points = [(point.index, point.kind) for point in fs.points]
        store.close()  # not a step: closing syncs, best effort
    assert content(load(kind, directory)) == states[-1]
    return Plan(points, steps, states)


def _copy(seed: Path, directory: Path) -> Path:
    shutil.rmtree(directory, ignore_errors=True)
    shutil.copytree(seed, directory)
    return directory


def _assert_allowed(kind: StoreKind, directory: Path, plan: Plan, run: Run, where: str) -> None:
    found = content(load(kind, directory))
    assert found in plan.allowed(run), (
        f"{where}: after {run.done} steps ({run.raised!r}) the store holds {found}"
    )


def _faults(point_kind: str) -> Iterator[tuple[int, bool]]:
    yield errno.EIO, False
    if point_kind in ("append", "write_all"):
        yield errno.ENOSPC, True  # half of the bytes land, then the disk is full


# -- the tests ----------------------------------------------------------------------------------------


def test_an_error_at_any_write_point_leaves_the_old_or_the_new_state_and_the_writer_goes_on(
    make_store: MakeStore, kind: StoreKind, seed: Path, plan: Plan, workdir: Path
) -> None:
    for index, point_kind in plan.points:
        for code, torn in _faults(point_kind):
            where = f"{errno.errorcode[code]}{' torn' if torn else ''} at #{index} {point_kind}"
            directory = _copy(seed, workdir / "run")
            fs = FaultyFileSystem(directory, mkdir_is_durable=True)
            with installed(fs):
                fs.fail_at(index, code, torn=torn)
                run = _live(make_store, kind, directory)
                assert not isinstance(run.raised, PowerCut)
                _assert_allowed(kind, directory, plan, run, where)
                # The fault clears: the same writer (or, if it never opened, a new one) goes on.
                store = run.store if run.store is not None and run.done > 0 else make_store(directory)
                if run.done == 0:
                    store.open()
                store.set("goes_on", where, sync=True)
                store.checkpoint()
                loaded = load(kind, directory)
                assert content(loaded) == store.content(), where
                assert loaded.report.dropped == (), where
                assert temp_files(directory) == [], where
                store.close()


def test_a_power_loss_after_any_write_point_loses_nothing_acknowledged(
    make_store: MakeStore, kind: StoreKind, seed: Path, plan: Plan, workdir: Path
) -> None:
    for index, point_kind in plan.points:
        directory = _copy(seed, workdir / "run")
        fs = FaultyFileSystem(directory, mkdir_is_durable=True)
        with installed(fs):
            fs.crash_after(index)
            run = _live(make_store, kind, directory)
            assert isinstance(run.raised, PowerCut), f"#{index} {point_kind}: {run.raised!r}"
            if run.store is not None:
                run.store.abandon()  # the process is gone
            fs.power_loss()
        _assert_allowed(kind, directory, plan, run, f"power loss after #{index} {point_kind}")


def test_a_failed_checkpoint_leaves_the_journals_carrying_everything_through_a_power_loss(
    make_store: MakeStore, kind: StoreKind, seed: Path, plan: Plan, workdir: Path
) -> None:
    checkpoint = next(n for n, step in enumerate(_steps(kind), start=1) if step == SpecStore.checkpoint)
    everything = plan.states[checkpoint]  # a checkpoint changes no content
    for index in plan.steps[checkpoint]:
        directory = _copy(seed, workdir / "run")
        fs = FaultyFileSystem(directory, mkdir_is_durable=True)
        with installed(fs):
            fs.fail_at(index, errno.EIO)
            run = _live(make_store, kind, directory)
            where = f"EIO at #{index} {plan.points[index][1]} of the checkpoint ({run.raised!r})"
            assert run.done >= checkpoint, where
            assert content(load(kind, directory)) == everything, where
            assert run.store is not None
            run.store.abandon()
            fs.power_loss()
        assert content(load(kind, directory)) == everything, f"{where}, then a power loss"
