"""The Store specification runs under every codec of the matrix (see ``tests/conftest.py``), for
each kind of store (:data:`tests.store_spec.adapter.KINDS`), and on two file systems: the
operating system's and the fault-injection one of ``tests/faults/faultfs.py`` (no fault armed:
the durability cases of ``test_faults.py`` arm their own). Stores live in the fault suite's
in-memory scratch directories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sessionkeeper.core.storage.fs import FileSystem, filesystem, use_filesystem
from tests.faults.conftest import scratch, workdir
from tests.faults.faultfs import FaultyFileSystem
from tests.store_spec.adapter import KINDS, SpecStore, StoreKind

__all__ = ["MakeStore", "scratch", "workdir"]

MakeStore = Callable[..., SpecStore]


@pytest.fixture(autouse=True)
def _codec_matrix(codec_name: str) -> str:
    """The codec this test runs under; its settings are in ``os.environ`` (children inherit them)."""
    return codec_name


@pytest.fixture(params=list(KINDS))
def kind(request: pytest.FixtureRequest) -> StoreKind:
    """The kind of store a contract case runs on (every case runs on each)."""
    return KINDS[request.param]


@pytest.fixture(params=["os", "faultfs"])
def file_system(request: pytest.FixtureRequest, workdir: Path) -> Iterator[FileSystem]:
    """The file system core's I/O goes through during the test (the one before it is back after)."""
    before = filesystem()
    if request.param == "faultfs":
        use_filesystem(FaultyFileSystem(workdir, mkdir_is_durable=True))
    yield filesystem()
    use_filesystem(before)


@pytest.fixture
def make_store(workdir: Path, kind: StoreKind, file_system: FileSystem) -> Iterator[MakeStore]:
    """Writers of ``kind`` on ``workdir`` (by default), each closed after the test."""
    made: list[SpecStore] = []

    def factory(directory: Path | None = None, **kwargs: Any) -> SpecStore:
        store = SpecStore(kwargs.pop("kind", kind), directory or workdir, **kwargs)
        made.append(store)
        return store

    yield factory
    for store in made:
        store.abandon()
