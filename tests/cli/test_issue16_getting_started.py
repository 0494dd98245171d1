"""Getting started (issue 16): the README's PATH line works as written, and no doc uses a hatch that
the quick start does not install (``python3 -m hatch``)."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.support import Cli
from tests.conftest import REPO

HATCH = REPO / ".venv" / "bin" / "hatch"
# hatch finds its environments under the home the suite was started with: read at import, before
# the autouse fixture points HOME at a temporary folder (the account's home when HOME is unset).
STARTING_HOME = os.environ.get("HOME") or pwd.getpwuid(os.getuid()).pw_dir
DOCS = [
    path
    for pattern in ("*.md", "packages/*/*.md", "docs/**/*.md", "examples/**/*.md", "bench/**/*.md")
    for path in sorted(REPO.glob(pattern))
] + sorted(REPO.glob("bench/*.py"))  # their docstrings and messages say how to run them


def test_no_document_runs_hatch_as_a_module_of_the_system_python() -> None:
    # `python3 -m hatch` fails after the quick start: hatch is installed into ./.venv only.
    offenders = [str(path) for path in DOCS if "-m hatch" in path.read_text(encoding="utf-8")]
    assert offenders == []


def test_the_readme_path_line_puts_session_on_the_path(cli: Cli, tmp_path: Path) -> None:
    if not HATCH.exists() or shutil.which("bash") is None:
        pytest.skip("needs the quick start's ./.venv and bash")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick_start = readme.partition("## Quick start")[2].partition("**Platforms.**")[0]
    lines = [line for line in quick_start.splitlines() if line.startswith("export PATH=")]
    assert len(lines) == 1, "one line after the quick start puts `session` on the PATH"
    # Exactly as written, from the repository root, in a shell whose PATH has no `session` yet.
    script = f"{lines[0]}\ncommand -v session\ncommand -v session-analyze\nsession --version\n"
    proc = subprocess.run(
        ["bash", "-c", script],
        cwd=REPO,
        env={**cli.env(), "PATH": "/usr/bin:/bin", "HOME": STARTING_HOME},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    session, analyze, version = proc.stdout.splitlines()
    assert Path(session).parent == Path(cli.executable).parent  # the hatch environment the tests use
    assert Path(analyze).name == "session-analyze"
    assert re.fullmatch(r"session \S+", version)
