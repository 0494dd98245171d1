"""Remote backup tests: a real S3 server on loopback (:mod:`.s3server`), no AWS variable or remote
setting of the developer's shell leaking in."""

from __future__ import annotations

import pytest

from tests.remote.s3server import clear_aws_environment, loopback_s3

__all__ = ["loopback_s3"]


@pytest.fixture(autouse=True)
def _no_remote_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_aws_environment(monkeypatch)
