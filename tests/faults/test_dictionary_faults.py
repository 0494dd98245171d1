"""A compressed journal's dictionary under faults: a power cut at every write point around the
write that brings it into the journal, and that write torn or refused.

The dictionary goes into the journal in the same ``write`` as the first record that names it.
Whatever happens to that write, every acknowledged value is there after a resume, and the next
record that names the dictionary brings it again.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest

from sessionkeeper.core import JournalWriteError, session_paths
from tests.faults.conftest import JournalWrite
from tests.faults.faultfs import FaultyFileSystem
from tests.faults.support import Ledger, cut_the_power_at_each, installed, make_manager, pull_the_plug
from tests.sealed_journal import record_kinds

pytestmark = pytest.mark.codecs(
    "zstd", "zstd-aes", "zstd-chacha", reason="a dictionary is made only when records are compressed"
)

# ~85 bytes a record: the writer reaches 8 KiB (and makes its dictionary) around the 70th.
VALUES = [
    (f"task:{n:04d}", {"status": ("done", "failed")[n % 2], "tries": n % 4, "secs": n / 7, "tags": ["ci"]})
    for n in range(130)
]
IN_PLACE = JournalWrite("always", "write_at")
AROUND = 20  # the sets watched before and after the one that brings the dictionary


def _template(root: Path) -> str:
    manager = make_manager(root, fsync="always")
    session_id = manager.start()
    pull_the_plug(manager)
    return session_id


def _sets(
    root: Path,
    session_id: str,
    ledger: Ledger,
    fs: FaultyFileSystem,
    fault_at: int | None,
    write: JournalWrite = IN_PLACE,
) -> None:
    """Resume and set VALUES under ``write.fsync``; with ``fault_at``, that set's journal write
    (``write.kind``) is torn and refused (ENOSPC)."""
    manager = make_manager(root, fsync=write.fsync)
    try:
        manager.resume(session_id)
        for index, (key, value) in enumerate(VALUES):
            if index != fault_at:
                ledger.set(manager, key, value)
                continue
            fs.fail_kind(write.kind, errno.ENOSPC, torn=True)
            with pytest.raises(JournalWriteError):
                ledger.set(manager, key, value)
            fs.clear_faults()
    finally:
        pull_the_plug(manager)


def _problems(root: Path, session_id: str, ledger: Ledger) -> list[str]:
    manager = make_manager(root)
    try:
        manager.resume(session_id)
        return ledger.missing(manager, session_id)
    finally:
        pull_the_plug(manager)


@pytest.fixture
def template(workdir: Path) -> tuple[Path, str]:
    root = workdir / "template"
    return root, _template(root)


def _watched(template: tuple[Path, str], workdir: Path) -> tuple[range, list[str]]:
    """The sets around the first that names the dictionary, and the write points of all sets."""
    source, session_id = template
    root = workdir / "count"
    shutil.copytree(source, root)
    fs = FaultyFileSystem(root, mkdir_is_durable=True)
    with installed(fs):
        _sets(root, session_id, Ledger(), fs, None)
    paths = session_paths(root / "RUNS", session_id)
    kinds = record_kinds(paths.journal(max(paths.journal_epochs())), paths)
    assert kinds.count("Z") == 2
    first = kinds.index("d") - 3  # after the header and the dictionary's two copies
    assert AROUND <= first < len(VALUES) - AROUND
    shutil.rmtree(root)
    return range(first - AROUND, first + AROUND), [str(point) for point in fs.points]


def test_power_loss_at_every_write_point_around_the_dictionary_loses_nothing_acknowledged(
    template: tuple[Path, str], workdir: Path
) -> None:
    source, session_id = template
    watched, points = _watched(template, workdir)
    ledgers: list[Ledger] = []  # one per trial

    def workload(root: Path, fs: FaultyFileSystem) -> None:
        ledgers.append(Ledger())
        _sets(root, session_id, ledgers[-1], fs, None)

    # Once the journal is made, each set is an append and an fsync.
    first = len(points) - 2 * (len(VALUES) - watched.start)
    cuts = range(first, first + 2 * len(watched))
    problems = lambda root: _problems(root, session_id, ledgers[-1])  # noqa: E731
    bad = cut_the_power_at_each(cuts, points, source, workdir, workload, problems)
    assert not bad, "\n".join(bad)


def test_a_torn_write_of_any_record_around_the_dictionary_loses_nothing_acknowledged(
    template: tuple[Path, str], workdir: Path, journal_write: JournalWrite
) -> None:
    source, session_id = template
    watched, _ = _watched(template, workdir)
    bad = []
    for fault_at in watched:
        root = workdir / f"torn-{fault_at}"
        shutil.copytree(source, root)
        ledger = Ledger()
        fs = FaultyFileSystem(root, mkdir_is_durable=True)
        with installed(fs):
            _sets(root, session_id, ledger, fs, fault_at, journal_write)
        problems = _problems(root, session_id, ledger)
        if problems:
            bad.append(f"torn write of set {fault_at}: {problems}")
        shutil.rmtree(root)
    assert not bad, "\n".join(bad)
