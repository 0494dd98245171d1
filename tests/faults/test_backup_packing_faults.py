"""Packing the backup at a clean stop (a plain store's, 64 KiB or more): power loss at every write
point of the stop, and an I/O error at every write point of the packing.

Whatever happens, the session loads with every acknowledged value, the snapshot and the backup
both open and parse (packed or not), and no temp file is left behind.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest

from sessionkeeper.core import StateScope, session_paths
from sessionkeeper.core.codec.envelope import inspect_envelope
from tests.faults.faultfs import FaultyFileSystem
from tests.faults.support import (
    cut_the_power_at_each,
    damaged_files,
    installed,
    make_manager,
    pull_the_plug,
    temp_files,
)

pytestmark = pytest.mark.plain_only("a backup is packed only in a plain store (a codec seals it already)")

BIG = {f"task:{n:04d}": {"status": "done", "tries": n % 4, "note": "x" * 60} for n in range(1000)}
AFTER = {"after": [1, 2, 3], "theme": "dark"}


def _template(root: Path) -> str:
    """A session of BIG (~100 KB) with one checkpoint behind it, left as a crash leaves it."""
    manager = make_manager(root, fsync="always")
    session_id = manager.start()
    for key, value in BIG.items():
        manager.set(key, value)
    assert manager.checkpoint()
    pull_the_plug(manager)
    return session_id


def _stop(root: Path, session_id: str) -> None:
    """The workload under test: resume, two sets, a clean stop (snapshot, backup, packing)."""
    manager = make_manager(root, fsync="always")
    try:
        manager.resume(session_id)
        manager.set("after", AFTER["after"])
        manager.set("theme", AFTER["theme"], StateScope.USER)
        manager.stop()
    finally:
        pull_the_plug(manager)


def _problems(root: Path, session_id: str) -> list[str]:
    """What is wrong once the session is resumed (whose open removes a dead writer's temp files)."""
    problems = []
    manager = make_manager(root)
    try:
        manager.resume(session_id)
        if {key: manager.get(key) for key in BIG} != BIG:
            problems.append("a value of the checkpointed session is missing or wrong")
        if manager.get("after") not in (None, AFTER["after"]):
            problems.append(f"after is {manager.get('after')!r}")
    finally:
        pull_the_plug(manager)
    return problems + damaged_files(root) + [f"left behind: {name}" for name in temp_files(root)]


@pytest.fixture
def template(workdir: Path) -> tuple[Path, str]:
    root = workdir / "template"
    return root, _template(root)


def _points(template: tuple[Path, str], workdir: Path) -> list[str]:
    root = workdir / "count"
    shutil.copytree(template[0], root)
    fs = FaultyFileSystem(root, mkdir_is_durable=True)
    with installed(fs):
        _stop(root, template[1])
    backup = session_paths(root / "RUNS", template[1]).backup
    assert inspect_envelope(backup.read_bytes()).compressed  # the workload does pack the backup
    shutil.rmtree(root)
    return [str(point) for point in fs.points]


def test_power_loss_at_every_write_point_of_a_stop_that_packs_loses_nothing(
    template: tuple[Path, str], workdir: Path
) -> None:
    points = _points(template, workdir)
    assert any(".json.bak." in point for point in points)  # the packing's own temp file
    bad = cut_the_power_at_each(
        range(len(points)),
        points,
        template[0],
        workdir,
        lambda root, _: _stop(root, template[1]),
        lambda root: _problems(root, template[1]),
    )
    assert not bad, "\n".join(bad)


def test_an_io_error_at_any_write_point_of_the_packing_leaves_the_backup_as_it_was(
    template: tuple[Path, str], workdir: Path
) -> None:
    points = _points(template, workdir)
    first = next(i for i, point in enumerate(points) if ".json.bak." in point)
    packing = range(first, len(points))
    assert len(packing) >= 3  # its temp file: create, write and fsync, then the rename
    for index in packing:
        root = workdir / f"error-{index}"
        shutil.copytree(template[0], root)
        fs = FaultyFileSystem(root, mkdir_is_durable=True)
        with installed(fs):
            fs.fail_at(index, errno.ENOSPC)
            _stop(root, template[1])  # stop() itself goes through: the packing is best effort
        backup = session_paths(root / "RUNS", template[1]).backup
        assert not temp_files(root), points[index]
        assert backup.read_bytes().startswith(b"{") or inspect_envelope(backup.read_bytes()).compressed
        assert _problems(root, template[1]) == [], points[index]
        shutil.rmtree(root)
