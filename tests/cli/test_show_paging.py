"""``session show`` on long sessions (issue 16): --limit/--tail, USER and APP values, and a pager on
a terminal only — run as a real subprocess, on a real pseudo-terminal where it matters."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sessionkeeper.core import CommandExecuted, SessionManager
from tests.cli.support import Cli


def _session_with_events(data_dir: Path, user_dir: Path, count: int) -> str:
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = manager.start()
    for number in range(count):
        manager.record(CommandExecuted(command=f"step {number}", exit_code=0))
    manager.set("feature", "auth")
    manager.stop()
    return session_id


def test_limit_and_tail_choose_the_events_shown(cli: Cli, data_dir: Path, user_dir: Path) -> None:
    _session_with_events(data_dir, user_dir, 50)
    first = cli.ok("show", "--limit", "3", "--json").json()
    assert [event["command"] for event in first["events"]] == ["step 0", "step 1", "step 2"]
    assert first["event_count"] == 50
    last = cli.ok("show", "--tail", "2", "--json").json()
    assert [event["command"] for event in last["events"]] == ["step 48", "step 49"]
    text = cli.ok("show", "--tail", "2").out
    assert "Events (2 of 50, the last)" in text
    assert "step 49" in text
    assert "step 47" not in text
    both = cli.fails("show", "--limit", "1", "--tail", "1", status=2)
    assert "--limit and --tail" in both.err


def test_user_and_app_values_are_shown_on_request(cli: Cli, data_dir: Path, user_dir: Path) -> None:
    _session_with_events(data_dir, user_dir, 1)
    cli.ok("set", "theme", "dark", "--scope", "user")
    cli.ok("set", "project", "kit", "--scope", "app")
    shown = cli.ok("show", "--scope", "all", "--json").json()
    assert shown["user_values"] == {"theme": "dark"}
    assert shown["app_values"] == {"project": "kit"}
    assert shown["values"] == {"feature": "auth"}
    text = cli.ok("show", "--scope", "user").out
    assert "USER values (1)" in text
    assert "feature" not in text  # only the scope asked for


def _pager(tmp_path: Path) -> tuple[str, Path]:
    """A pager that keeps what it is given in a file (a real program reading its stdin)."""
    kept = tmp_path / "paged.txt"
    script = tmp_path / "pager.py"
    script.write_text(f"import sys\nopen({str(kept)!r}, 'wb').write(sys.stdin.buffer.read())\n")
    return f"{sys.executable} {script}", kept


def test_a_terminal_gets_the_pager_and_a_pipe_never(
    cli: Cli, data_dir: Path, user_dir: Path, tmp_path: Path
) -> None:
    session_id = _session_with_events(data_dir, user_dir, 300)
    pager, kept = _pager(tmp_path)
    env = cli.env(PAGER=pager, SESSION_PAGER=None, COLUMNS="120")
    piped = cli.ok("show", env=env)
    assert "step 299" in piped.out
    assert not kept.exists()  # piped: printed, never paged

    leader, follower = os.openpty()
    try:
        proc = subprocess.run(
            [cli.executable, "show"],
            env=env,
            stdin=follower,
            stdout=follower,
            stderr=follower,
            timeout=60,
            check=False,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert proc.returncode == 0
    paged = kept.read_text()
    assert session_id in paged
    assert "step 299" in paged

    kept.unlink()
    leader, follower = os.openpty()
    try:
        proc = subprocess.run(
            [cli.executable, "show", "--no-pager", "--limit", "1"], env=env, stdin=follower, stdout=follower,
            stderr=follower, timeout=60, check=False,
        )  # fmt: skip
    finally:
        os.close(follower)
        os.close(leader)
    assert proc.returncode == 0
    assert not kept.exists()
