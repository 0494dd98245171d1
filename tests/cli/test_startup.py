"""Help on every command, the version, shell completion, and a start-up that imports little."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sessionkeeper.cli import __version__
from sessionkeeper.cli.commands import BUILTIN
from tests.cli.support import Cli


def imported_modules(cli: Cli, *args: str) -> set[str]:
    """The modules ``session ARGS`` imports, from ``python -X importtime``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", cli.executable, *args],
        env=cli.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_version(cli: Cli) -> None:
    assert cli.ok("--version").out == f"session {__version__}\n"
    assert cli.ok("--lang", "ko", "--version").out == f"session {__version__}\n"  # through click


def test_version_imports_neither_click_nor_core(cli: Cli) -> None:
    modules = imported_modules(cli, "--version")
    assert "click" not in modules
    assert "sessionkeeper.core" not in modules
    assert "typing" not in modules


def test_info_imports_no_rich_and_no_plugin_machinery(cli: Cli) -> None:
    cli.start()
    modules = imported_modules(cli, "info")
    assert "sessionkeeper.core" in modules
    assert not {name for name in modules if name == "rich" or name.startswith("rich.")}
    assert "importlib.metadata" not in modules  # no entry-point scan for a built-in command
    assert "sessionkeeper.cli.commands.values" not in modules  # only the module of `info`


def test_a_table_imports_rich(cli: Cli) -> None:
    cli.start()
    assert "rich.table" in imported_modules(cli, "list")
    assert "rich" not in imported_modules(cli, "list", "--json")


@pytest.mark.parametrize("command", sorted(BUILTIN))
def test_every_command_has_help_with_examples(cli: Cli, command: str) -> None:
    english = cli.ok(command, "--help").out
    assert english.startswith(f"Usage: session {command}")
    assert "Examples:" in english
    assert "  session " in english.split("Examples:", 1)[1]
    korean = cli.ok("--lang", "ko", command, "-h").out
    assert korean.startswith(f"사용법: session {command}")
    assert "예:" in korean


def test_group_help_documents_environment_exit_status_and_completion(cli: Cli) -> None:
    text = cli.ok("--help").out
    for needle in ("SESSIONKEEPER_DATA_DIR", "SESSIONKEEPER_USER_DIR", "Exit status", "_SESSION_COMPLETE"):
        assert needle in text
    for command in BUILTIN:
        assert f"\n  {command} " in text


def test_shell_completion_scripts_and_answers(cli: Cli) -> None:
    script = cli.ok(env=cli.env(_SESSION_COMPLETE="bash_source")).out
    assert "_session_completion" in script
    assert "complete " in script

    def complete(words: str, index: int) -> list[str]:
        env = cli.env(_SESSION_COMPLETE="bash_complete", COMP_WORDS=words, COMP_CWORD=str(index))
        return [line.split(",", 1)[1] for line in cli.ok(env=env).out.splitlines()]

    assert complete("session i", 1) == ["import", "info"]
    assert complete("session show --js", 2) == ["--json"]
    first, second = cli.start(), cli.start()
    assert complete("session recover sess", 2) == [second, first]  # newest first
    assert complete(f"session show {first[:-2]}", 2) == [first]
    assert complete("session get k --scope ", 4) == ["session", "user", "app"]
