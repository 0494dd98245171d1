"""Running the installed ``session`` executable as a real subprocess, and watching the disk."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HINT_PREFIXES = (b"hint:", "힌트:".encode())


@dataclass(frozen=True)
class Result:
    """What one run of ``session`` did."""

    args: tuple[str, ...]
    status: int
    out_bytes: bytes
    err_bytes: bytes
    encoding: str = "utf-8"

    @property
    def out(self) -> str:
        return self.out_bytes.decode(self.encoding)

    @property
    def err(self) -> str:
        return self.err_bytes.decode(self.encoding)

    def json(self) -> Any:
        return json.loads(self.out)

    def describe(self) -> str:
        return f"session {' '.join(self.args)} -> {self.status}\nstdout:\n{self.out}\nstderr:\n{self.err}"


def session_executable() -> str:
    """The ``session`` script of the environment the tests run in (never a global one)."""
    found = shutil.which("session")
    if found is None:
        pytest.fail("the `session` executable is not on PATH; run the tests with `hatch run pytest`")
    return found


class Cli:
    """Runs ``session`` with a clean, explicit environment (English, UTF-8, no terminal)."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.base_env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "PYTHONIOENCODING", "COLUMNS"}
        }
        self.base_env["LANG"] = "C.UTF-8"

    def env(self, **overrides: str | None) -> dict[str, str]:
        env = dict(self.base_env)
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        encoding: str = "utf-8",
        timeout: float = 60,
        cwd: Path | None = None,
    ) -> Result:
        proc = subprocess.run(
            [self.executable, *args],
            env=dict(env) if env is not None else self.env(),
            cwd=cwd,
            input=stdin,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr, encoding)

    def ok(self, *args: str, **kwargs: Any) -> Result:
        """Run and require exit status 0 and no traceback."""
        result = self.run(*args, **kwargs)
        assert result.status == 0, result.describe()
        assert b"Traceback" not in result.err_bytes, result.describe()
        return result

    def fails(self, *args: str, status: int = 1, **kwargs: Any) -> Result:
        """Run and require ``status``; a status-1 failure is exactly one line on stderr, followed at
        most by one ``hint:`` line with the obvious next command."""
        result = self.run(*args, **kwargs)
        assert result.status == status, result.describe()
        assert b"Traceback" not in result.err_bytes, result.describe()
        if status == 1:
            lines = result.err_bytes.strip().splitlines()
            hints = [line for line in lines[1:] if line.startswith(HINT_PREFIXES)]
            assert len(hints) <= 1, result.describe()
            assert len(lines) == 1 + len(hints), result.describe()
        return result

    def hint(self, result: Result) -> str | None:
        """The command of a failure's ``hint:`` line, or None."""
        for line in result.err.splitlines()[1:]:
            for prefix in (prefix.decode() for prefix in HINT_PREFIXES):
                if line.startswith(prefix):
                    return line.removeprefix(prefix).strip()
        return None

    def start(self) -> str:
        return self.ok("start").out.strip()


def digest(*roots: Path) -> dict[str, str]:
    """Every file and directory under ``roots`` with a hash of its content (a missing root: absent)."""
    found: dict[str, str] = {}
    for root in roots:
        if not root.exists():
            continue
        for path in sorted(root.rglob("*")):
            key = str(path)
            if path.is_symlink():
                found[key] = f"symlink:{os.readlink(path)}"
            elif path.is_dir():
                found[key] = "dir"
            else:
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def snapshot_path(data_dir: Path, session_id: str) -> Path:
    return data_dir / "sessions" / f"{session_id}.json"


def backup_path(data_dir: Path, session_id: str) -> Path:
    return data_dir / "sessions" / f"{session_id}.json.bak"


def damage_journal_record(journal: Path, index: int) -> None:
    """Flip one payload byte of record ``index`` (0 is the header) of a journal file."""
    data = bytearray(journal.read_bytes())
    offset = 0
    for _ in range(index):
        offset += 9 + struct.unpack_from("<I", data, offset + 1)[0]
    assert data[offset] == 0xA5, "not at a record boundary"
    data[offset + 9] ^= 0xFF
    journal.write_bytes(bytes(data))


def journals(data_dir: Path, session_id: str) -> list[Path]:
    return sorted((data_dir / "sessions" / f"{session_id}.d").glob("*.journal"))


def assert_only_fresh_journals_added(before: dict[str, str], after: dict[str, str]) -> None:
    """Nothing that existed changed or vanished; the only new files are empty (header-only) journals.

    This is what opening a store costs in core today: every open starts a new journal epoch (and
    bumps the epoch counter in the store's ``lock`` file), even when nothing is then written.
    """
    removed = sorted(set(before) - set(after))
    changed = sorted(p for p in before if p in after and after[p] != before[p] and not p.endswith("/lock"))
    added = sorted(set(after) - set(before))
    assert removed == [], removed
    assert changed == [], changed
    for path in added:
        assert path.endswith(".journal"), added
        assert Path(path).stat().st_size < 128, f"{path} holds more than a journal header"
