"""Colour on a terminal only (``NO_COLOR`` and ``--color`` honoured), and a ``hint:`` line after a
failure that has an obvious next command (issue 16)."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

import pytest

from sessionkeeper.cli import console, render
from tests.cli.support import Cli, backup_path, snapshot_path

ESC = "\x1b["


def on_terminal(cli: Cli, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run ``session ARGS`` with stdout and stderr on (separate) pseudo-terminals."""
    out_master, out_slave = pty.openpty()
    err_master, err_slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [cli.executable, *args],
            env={"TERM": "xterm-256color", "COLUMNS": "200", **(env or cli.env())},
            stdin=subprocess.DEVNULL,
            stdout=out_slave,
            stderr=err_slave,
        )
        os.close(out_slave)
        os.close(err_slave)
        status = proc.wait(timeout=60)
        return status, _drain(out_master), _drain(err_master)
    finally:
        os.close(out_master)
        os.close(err_master)


def _drain(master: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed and everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def session_id(cli: Cli) -> str:
    return cli.start()


def test_a_terminal_gets_colour_a_pipe_does_not(cli: Cli, session_id: str) -> None:
    status, out, _ = on_terminal(cli, "list")
    assert status == 0
    assert ESC in out
    assert ESC not in cli.ok("list").out


def test_no_color_and_never_switch_it_off_always_on(cli: Cli, session_id: str) -> None:
    for args, env in (
        (["list"], cli.env(NO_COLOR="1")),
        (["--color", "never", "list"], cli.env()),
        (["list", "--color", "never"], cli.env()),
        (["list"], cli.env(TERM="dumb")),
    ):
        status, out, _ = on_terminal(cli, *args, env=env)
        assert status == 0
        assert out.strip()  # the table was printed
        assert ESC not in out, args
    assert ESC in cli.ok("--color", "always", "list", env=cli.env(NO_COLOR="1")).out  # the option wins
    assert ESC in on_terminal(cli, "list", env=cli.env(NO_COLOR=""))[1]  # empty NO_COLOR: not set


def test_error_and_hint_prefixes_are_coloured_on_a_terminal(cli: Cli, data_dir: Path) -> None:
    data_dir.mkdir()
    status, _, err = on_terminal(cli, "info")
    assert status == 1
    assert f"{ESC}1;31mError:{ESC}0m no current session in {data_dir}" in err
    assert f"{ESC}33mhint:{ESC}0m session start" in err
    piped = cli.fails("info")
    assert ESC not in piped.err


def test_status_words_are_painted_by_what_they_mean() -> None:
    console.set_color("always")
    try:
        assert render.status("damaged", "DAMAGED") == f"{ESC}1;31mDAMAGED{ESC}0m"
        assert render.status("ok", "ok") == f"{ESC}32mok{ESC}0m"
        assert render.status("running", "실행 중") == f"{ESC}36m실행 중{ESC}0m"
        assert render.status("no such status", "x") == "x"
        console.set_color("never")
        assert render.status("damaged", "DAMAGED") == "DAMAGED"
    finally:
        console.set_color("auto")


# -- hints -----------------------------------------------------------------------------------------------
def test_hint_without_any_session_is_start(cli: Cli, data_dir: Path) -> None:
    data_dir.mkdir()
    for args in (("info",), ("show",), ("get", "x"), ("set", "x", "1")):
        failure = cli.fails(*args)
        assert failure.err.splitlines()[0] == f"Error: no current session in {data_dir}"
        assert cli.hint(failure) == "session start"
    assert cli.hint(cli.fails("--data-dir", str(data_dir / "none"), "info")) == (
        f"session --data-dir {data_dir / 'none'} start"
    )


def test_hint_with_sessions_but_none_current_is_resume(cli: Cli, session_id: str, data_dir: Path) -> None:
    (data_dir / "sessions" / "current").unlink()
    assert cli.hint(cli.fails("info")) == "session resume"


def test_hint_for_a_damaged_session_is_recover(cli: Cli, session_id: str, data_dir: Path) -> None:
    cli.ok("set", "k", "v")
    cli.ok("checkpoint")
    cli.ok("checkpoint")  # a backup too
    for path in (snapshot_path(data_dir, session_id), backup_path(data_dir, session_id)):
        path.write_bytes(b"\x00garbage\n")
    failure = cli.fails("show", session_id)
    assert "unreadable" in failure.err
    assert cli.hint(failure) == f"session recover {session_id}"


def test_an_unknown_session_hints_at_the_list(cli: Cli, session_id: str) -> None:
    failure = cli.fails("show", "session_20990101_000000_deadbeef")
    assert cli.hint(failure) == "session list"


def test_korean_hint(cli: Cli, data_dir: Path) -> None:
    data_dir.mkdir()
    failure = cli.fails("--lang", "ko", "info")
    assert failure.err.splitlines()[1] == "힌트: session start"
