"""Fixtures of the edge-case suite (issue 12): the ``session`` executable for CLI checks."""

from __future__ import annotations

import pytest

from tests.cli.support import Cli, session_executable


@pytest.fixture
def cli() -> Cli:
    return Cli(session_executable())
