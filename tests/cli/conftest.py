"""Fixtures of the CLI tests.

Every test gets its own data, user and home directories (``tests/conftest.py`` puts them in
``os.environ``); :class:`~tests.cli.support.Cli` hands that environment to each subprocess
explicitly.
"""

from __future__ import annotations

import pytest

from tests.cli.support import Cli, session_executable


@pytest.fixture(scope="session")
def executable() -> str:
    return session_executable()


@pytest.fixture
def cli(executable: str) -> Cli:
    return Cli(executable)
