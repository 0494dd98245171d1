"""Targets under test: one factory per kind of :class:`BackupTarget`.

The specification (``test_spec.py``) asks only for :func:`opener` (or :func:`target`), so a new
kind of target — the S3 target of issue 17, on a loopback server — is one more entry in
:data:`FACTORIES`: a function of the test's temporary directory that returns a *picklable*
zero-argument callable opening a fresh, empty target. Picklable because the concurrency and
kill cases open the same target again in child processes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkeeper.core.storage.targets import BackupTarget, LocalDirectoryTarget

Opener = Callable[[], BackupTarget]


def local_directory(tmp_path: Path) -> Opener:
    """A :class:`LocalDirectoryTarget` on a root that does not exist yet (the first put makes it)."""
    return functools.partial(LocalDirectoryTarget, tmp_path / "backup" / "root")


FACTORIES: dict[str, Callable[[Path], Opener]] = {
    "local": local_directory,
}


@pytest.fixture(params=list(FACTORIES))
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    """Opens the target under test (the same objects each time it is called)."""
    return FACTORIES[request.param](tmp_path)


@pytest.fixture
def target(opener: Opener) -> BackupTarget:
    return opener()
