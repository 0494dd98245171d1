"""Global options before or after the subcommand, and export naming the path it was given (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.support import Cli


@pytest.fixture
def session_id(cli: Cli) -> str:
    return cli.start()


def test_lang_after_the_subcommand(cli: Cli, session_id: str) -> None:
    assert f"{session_id} (현재 세션)" in cli.ok("info", "--lang", "ko").out
    assert f"{session_id} (현재 세션)" in cli.ok("info", "--lang=ko").out
    assert "사용법: session set" in cli.ok("set", "--help", "--lang", "ko").out  # help in it too
    assert cli.fails("get", "missing", "--lang", "ko").err.startswith("오류:")
    assert "저장 방식" in cli.ok("key", "status", "--lang", "ko").out  # a subcommand of a group
    assert "Option '--lang' requires an argument" in cli.fails("info", "--lang", status=2).err


def test_data_dir_after_the_subcommand(cli: Cli, session_id: str, tmp_path: Path) -> None:
    other = tmp_path / "other"
    started = cli.ok("start", "--data-dir", str(other)).out.strip()
    assert cli.ok("info", "--json", "--data-dir", str(other)).json()["session_id"] == started
    assert cli.ok("info", "--json").json()["session_id"] == session_id
    missing = tmp_path / "missing"
    failure = cli.fails("list", "--data-dir", str(missing))
    assert f"data directory {missing} does not exist" in failure.err
    assert cli.hint(failure) == f"session --data-dir {missing} start"  # acts on the same directory


def test_json_before_the_subcommand(cli: Cli, session_id: str) -> None:
    assert cli.ok("--json", "info").json()["session_id"] == session_id
    assert cli.ok("--json", "set", "k", "1").json()["value"] == 1
    assert cli.ok("--json", "key", "status").json()["files"]


def test_color_after_the_subcommand(cli: Cli, session_id: str) -> None:
    assert "\x1b[" in cli.ok("list", "--color", "always").out
    assert "\x1b[" not in cli.ok("list", "--color=never").out
    assert "Usage:" in cli.fails("info", "--color", "sometimes", status=2).err


def test_a_plugins_words_stay_its_own(cli: Cli, session_id: str) -> None:
    # `session run` stops at the command: its --lang is the command's, not ours.
    out = cli.ok("run", "sh", "-c", 'echo "[$*]"', "x", "--lang", "ko", "--data-dir", "d").out
    assert out == "[--lang ko --data-dir d]\n"
    assert cli.ok("run", "--", "sh", "-c", 'echo "[$*]"', "x", "--json").out == "[--json]\n"


def test_a_plugin_records_into_the_found_data_directory(cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    walk = cli.env(SESSIONKEEPER_DATA_DIR=None)
    cli.ok("start", env=walk, cwd=project)
    cli.ok("run", "--", "true", env=walk, cwd=project / "src")
    events = cli.ok("show", "--json", env=walk, cwd=project).json()["events"]
    assert [event["kind"] for event in events] == ["command_executed"]
    assert not (project / "src" / "RUNS").exists()


def test_help_lists_the_global_options(cli: Cli) -> None:
    text = cli.ok("--help").out
    for needle in ("--color WHEN", "--json", "--data-dir DIR", "latest", "NO_COLOR"):
        assert needle in text


# -- export names the path it was given ----------------------------------------------------------------
def test_export_to_a_missing_directory_names_the_given_path(
    cli: Cli, session_id: str, tmp_path: Path
) -> None:
    failure = cli.fails("export", "-o", "/nonexistent/dir/x.json")
    assert failure.err == "Error: cannot write /nonexistent/dir/x.json: No such file or directory\n"
    blocker = tmp_path / "afile"
    blocker.write_text("")
    failure = cli.fails("export", "-o", str(blocker / "x.json"))
    assert failure.err == f"Error: cannot write {blocker / 'x.json'}: Not a directory\n"
    relative = cli.fails("export", "-o", "no/such/x.json", cwd=tmp_path)
    assert relative.err == "Error: cannot write no/such/x.json: No such file or directory\n"
