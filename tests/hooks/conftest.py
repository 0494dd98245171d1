"""Fixtures and helpers of the session-hooks tests: planted secrets, disk greps, real processes."""

from __future__ import annotations

import os
import random
import shutil
import string
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sessionkeeper.core import Event, read_current, read_session
from sessionkeeper.hooks import TaskExecutorSessionHook

REPO = Path(__file__).resolve().parents[2]
HOOKS_SRC = REPO / "packages" / "session-hooks" / "src"
EXAMPLE_RUNNER = REPO / "examples" / "task_runner" / "run_tasks.py"
EXAMPLE_CONTRACTS = REPO / "examples" / "task_runner" / "contracts"
CUSTOM_PATTERN = r"ACME-INTERNAL-[0-9a-f]{16}"


def fake_token(prefix: str, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    """A real-looking token, built at run time so that no secret scanner trips over this file."""
    rng = random.Random(f"{prefix}{length}")
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))


# One of each kind the issue names; every test that plants them greps the disk for them.
SECRETS = {
    "aws_key_id": fake_token("AKIA", 16, string.ascii_uppercase + string.digits),
    "aws_session_key_id": fake_token("ASIA", 16, string.ascii_uppercase + string.digits),
    "aws_secret": fake_token("", 40),
    "github": fake_token("ghp_", 36),
    "github_pat": fake_token("github_pat_", 82, string.ascii_letters + string.digits + "_"),
    "gitlab": fake_token("glpat-", 20),
    "slack": fake_token("xoxb-", 40, string.digits + string.ascii_letters + "-"),
    "openai": fake_token("sk-proj-", 48),
    "bearer": fake_token("", 32),
    "password": fake_token("Pw", 18),
    "mysql": fake_token("My", 14),
    "url_password": fake_token("Url", 16),
    "env_token": fake_token("Env", 20),
    "custom": fake_token("ACME-INTERNAL-", 16, "0123456789abcdef"),
}


def files_under(*roots: Path) -> Iterator[Path]:
    for root in roots:
        if root.exists():
            yield from (path for path in root.rglob("*") if path.is_file())


def leaks(secrets: Iterable[str], *roots: Path) -> list[str]:
    """``file: secret`` for every secret (or a 12-character piece of it) found in any file's bytes."""
    found = []
    needles = []
    for secret in secrets:
        needles.append(secret)
        if len(secret) >= 24:  # a piece from the middle: a half-redacted secret is a leak too
            middle = len(secret) // 2
            needles.append(secret[middle - 6 : middle + 6])
    for path in files_under(*roots):
        data = path.read_bytes()
        found += [f"{path}: {needle}" for needle in needles if needle.encode() in data]
    return found


def session_events(data_dir: Path) -> list[Event]:
    session_id = read_current(data_dir)
    assert session_id is not None, f"no current session in {data_dir}"
    return read_session(data_dir, session_id).events()


def kinds(events: Iterable[object]) -> Counter[str]:
    return Counter(type(event).__name__ for event in events)


def session_value(data_dir: Path, key: str) -> Any:
    session_id = read_current(data_dir)
    assert session_id is not None
    return read_session(data_dir, session_id).get(key)


def session_run_argv() -> list[str]:
    """``session run`` when the session CLI is installed and has the command, else the module."""
    executable = shutil.which("session")
    if executable is not None:
        probe = subprocess.run(
            [executable, "run", "--help"], capture_output=True, text=True, timeout=60, check=False
        )
        if probe.returncode == 0:
            return [executable, "run", "--"]
    return [sys.executable, "-m", "sessionkeeper.hooks.run_command", "--"]


def start_session_argv() -> list[str]:
    """``session start`` when the session CLI is installed, else core's start() in a process."""
    executable = shutil.which("session")
    if executable is not None:
        return [executable, "start"]
    code = "from sessionkeeper.core import SessionManager\nSessionManager(handle_signals=False).start()\n"
    return [sys.executable, "-c", code]


@pytest.fixture
def hook(data_dir: Path, user_dir: Path) -> Iterator[TaskExecutorSessionHook]:
    """A hook on the test's own directories, closed afterwards."""
    made = TaskExecutorSessionHook(data_dir, user_dir)
    yield made
    made.close()


@pytest.fixture
def child_env(tmp_path: Path) -> dict[str, str]:
    """The environment of the test's child processes (the conftest already isolated the dirs)."""
    env = dict(os.environ)
    env["SESSIONKEEPER_REDACT_PATTERNS"] = CUSTOM_PATTERN
    env.pop("PYTHONSTARTUP", None)
    return env
