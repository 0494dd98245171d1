"""Remote backup tests: a real S3 server on loopback (:mod:`.s3server`), no AWS variable or remote
setting of the developer's shell leaking in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sessionkeeper.core.remote.settings import TargetURL
from tests.remote.s3server import LoopbackS3, clear_aws_environment, loopback_s3, running
from tests.remote.support import KEY_ENV

__all__ = ["encrypted", "loopback_s3", "own_server", "remote_url"]


@pytest.fixture(autouse=True)
def _no_remote_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_aws_environment(monkeypatch)


@pytest.fixture
def encrypted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test key configured (pushes are encrypted, as they must be by default)."""
    for name, value in KEY_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def own_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackS3]:
    """A server of this test's own (the test may stop and start it again), its AWS variables set."""
    with running() as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        yield server


@pytest.fixture(params=["local", "s3"])
def remote_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TargetURL:
    """The test runs twice: against a directory, and against a new bucket of the loopback S3 server
    (its AWS variables set)."""
    if request.param == "local":
        return TargetURL("file", path=tmp_path / "remote")
    server: LoopbackS3 = request.getfixturevalue("loopback_s3")
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    return TargetURL("s3", server.new_bucket(), "team")
