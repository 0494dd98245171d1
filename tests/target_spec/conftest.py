"""Targets under test: one factory per kind of :class:`BackupTarget`.

The specification (``test_spec.py``) asks only for :func:`opener` (or :func:`target`), so a new
kind of target is one more entry in :data:`FACTORIES`: a function of the test's temporary
directory and request that returns a *picklable* zero-argument callable opening a fresh, empty
target. Picklable because the concurrency and kill cases open the same target again in child
processes. ``s3`` is :class:`~sessionkeeper.core.remote.s3.S3Target` on a real S3 server (moto's
server mode on loopback, started by the tests: :mod:`tests.remote.s3server`), one bucket per test.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkeeper.core.storage.targets import BackupTarget, LocalDirectoryTarget
from tests.remote.s3server import loopback_s3

__all__ = ["FACTORIES", "Opener", "loopback_s3"]

Opener = Callable[[], BackupTarget]


def local_directory(tmp_path: Path, request: pytest.FixtureRequest) -> Opener:
    """A :class:`LocalDirectoryTarget` on a root that does not exist yet (the first put makes it)."""
    return functools.partial(LocalDirectoryTarget, tmp_path / "backup" / "root")


def s3(tmp_path: Path, request: pytest.FixtureRequest) -> Opener:
    """An :class:`S3Target` under a prefix of a fresh bucket on the loopback S3 server."""
    from sessionkeeper.core.remote.s3 import S3Target

    server = request.getfixturevalue("loopback_s3")
    bucket = server.new_bucket()
    return functools.partial(S3Target, f"s3://{bucket}/backup/root", server.connection())


FACTORIES: dict[str, Callable[[Path, pytest.FixtureRequest], Opener]] = {
    "local": local_directory,
    "s3": s3,
}


@pytest.fixture(params=list(FACTORIES))
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    """Opens the target under test (the same objects each time it is called)."""
    return FACTORIES[request.param](tmp_path, request)


@pytest.fixture
def target(opener: Opener) -> BackupTarget:
    return opener()
