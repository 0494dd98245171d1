"""Fixtures of the fault-injection suite."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sessionkeeper.core.storage.fs import filesystem, use_filesystem
from tests.conftest import memory_scratch
from tests.faults.faultfs import FaultyFileSystem
from tests.faults.support import abandon_all


@pytest.fixture(autouse=True)
def _codec_matrix(codec_name: str) -> str:
    """The codec this test runs under (see ``tests/conftest.py``); its settings are in ``os.environ``."""
    return codec_name


@pytest.fixture(autouse=True)
def _real_filesystem_afterwards() -> Iterator[None]:
    """Whatever a test installs, the file system in use before it is back after it, and no
    manager it made is left running (or saving at exit)."""
    before = filesystem()
    yield
    abandon_all()
    use_filesystem(before)


@pytest.fixture
def faulty(tmp_path: Path) -> Iterator[FaultyFileSystem]:
    """A FaultyFileSystem over ``tmp_path``, installed for the test and removed in teardown."""
    fs = FaultyFileSystem(tmp_path, mkdir_is_durable=True)
    previous = use_filesystem(fs)
    yield fs
    use_filesystem(previous)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A directory for the many runs of a module, in memory (tmpfs) when the machine has one.

    Runs create thousands of small files; on ext4 each creation costs ~0.5 ms, on tmpfs ~20 µs.
    Durability is modelled by the fault file system, so nothing is lost by skipping the disk.
    """
    with memory_scratch("sessionkeeper-faults-", lambda: tmp_path_factory.mktemp("faults")) as path:
        yield path


@pytest.fixture
def workdir(scratch: Path, request: pytest.FixtureRequest) -> Path:
    """This test's own directory inside the module's in-memory scratch directory."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
    path = scratch / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    return path


@dataclass(frozen=True)
class JournalWrite:
    """An fsync policy and the write point its journal records go through: ``fsync="always"``
    writes its journals in place (``write_at``), the others append (``append``)."""

    fsync: str
    kind: str


@pytest.fixture(
    params=[JournalWrite("always", "write_at"), JournalWrite("never", "append")], ids=lambda w: w.fsync
)
def journal_write(request: pytest.FixtureRequest) -> JournalWrite:
    return request.param  # type: ignore[no-any-return]
