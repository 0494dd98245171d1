"""Shared fixtures: every test gets its own data and user directories; nothing global leaks."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sessionkeeper.core import SessionManager

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
LEGACY_FIXTURES = SHARED / "fixtures" / "legacy-sessions"


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every default location at the test's own temporary directory."""
    monkeypatch.setenv("SESSIONKEEPER_DATA_DIR", str(tmp_path / "RUNS"))
    monkeypatch.setenv("SESSIONKEEPER_USER_DIR", str(tmp_path / "user"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SESSIONKEEPER_FSYNC", raising=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "RUNS"


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    return tmp_path / "user"


@pytest.fixture
def manager(data_dir: Path, user_dir: Path) -> Iterator[SessionManager]:
    """A started, independent manager that is stopped after the test."""
    session = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session.start()
    yield session
    session.stop()


@pytest.fixture
def reopen(data_dir: Path, user_dir: Path) -> Iterator[object]:
    """A factory of fresh managers on the same directories (stopped at the end)."""
    made: list[SessionManager] = []

    def factory(**kwargs: object) -> SessionManager:
        session = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, **kwargs)  # type: ignore[arg-type]
        made.append(session)
        return session

    yield factory
    for session in made:
        session.stop()


@pytest.fixture
def legacy_dir(tmp_path: Path) -> Path:
    """A data directory holding copies of the old tool's 21 session files (never the originals)."""
    if not LEGACY_FIXTURES.is_dir():
        pytest.fail(f"legacy fixtures not found at {LEGACY_FIXTURES}")
    target = tmp_path / "legacy" / "sessions"
    target.mkdir(parents=True)
    for source in sorted(LEGACY_FIXTURES.rglob("session_*.json")):
        destination = target / source.name
        shutil.copyfile(source, destination)
        os.chmod(destination, 0o600)
    return target.parent


def run_python(code: str, env: dict[str, str], timeout: float = 60) -> tuple[int, str, str]:
    """Run ``code`` in a fresh interpreter (a real second process)."""
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    return proc.returncode, proc.stdout, proc.stderr
