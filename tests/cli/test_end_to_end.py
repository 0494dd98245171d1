"""The CLI and a program working on the same session, a crash, a damaged file, and recovery."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.cli.support import Cli, backup_path, snapshot_path

# A program that continues the current session through core, sets values in every persistent
# scope, and is killed (SIGKILL: no atexit, no signal handler, no final save) right after.
CRASHING_PROGRAM = """
import os
from sessionkeeper.core import SessionManager, StateScope, read_current

session = SessionManager.get_instance()
session.resume(read_current(session.data_dir))
session.set("current_feature", "authentication")
session.set("completed_tasks", ["setup", "database"])
session.set("notes", "한국어 메모")
session.set("user:theme", "dark", StateScope.USER)
session.set("project:name", "dev-rules-starter-kit", StateScope.APP)
os.kill(os.getpid(), 9)
"""


def test_values_set_before_a_crash_are_shown_and_survive_a_damaged_snapshot(
    cli: Cli, data_dir: Path, user_dir: Path
) -> None:
    session_id = cli.start()

    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING_PROGRAM], env=cli.env(), capture_output=True, timeout=60, check=False
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr.decode()

    info = cli.ok("info", "--json").json()
    assert info["session_id"] == session_id
    assert info["keys"]["session"] == 3  # replayed from the journal: nothing was checkpointed
    assert info["load"]["journal_records"] == 3
    assert cli.ok("get", "current_feature").out == "authentication\n"
    assert cli.ok("get", "notes").out == "한국어 메모\n"
    assert cli.ok("get", "user:theme", "--scope", "user").out == "dark\n"
    assert cli.ok("get", "project:name", "--scope", "app").out == "dev-rules-starter-kit\n"
    assert "session 3" in cli.ok("info").out

    # Two checkpoints: the second keeps the first (which holds the values) as the backup.
    cli.ok("checkpoint")
    cli.ok("checkpoint")
    assert backup_path(data_dir, session_id).exists()
    snapshot_path(data_dir, session_id).write_bytes(b'{"session_id": "torn')

    assert cli.fails("verify").status == 1
    recovered = cli.ok("recover", session_id, "--json").json()
    assert recovered["session_id"] == session_id
    assert recovered["source"] == "backup"
    assert recovered["repaired"] is True
    assert any("unreadable snapshot" in line for line in recovered["dropped"])
    assert recovered["keys"]["session"] == 3

    # The session is whole again: a fresh snapshot, every value, and verify is happy.
    assert cli.ok("get", "completed_tasks", "--json").json()["value"] == ["setup", "database"]
    assert cli.ok("info", "--json").json()["load"]["source"] == "snapshot"
    assert cli.ok("verify", "--json").json()["ok"] is True


def test_recover_says_what_it_recovered_and_dropped(cli: Cli, data_dir: Path) -> None:
    session_id = cli.start()
    cli.ok("set", "a", "1")
    cli.ok("checkpoint")
    cli.ok("checkpoint")
    snapshot_path(data_dir, session_id).write_bytes(b"\x00\x01garbage")
    text = cli.ok("recover", session_id).out
    assert f"Recovered {session_id}" in text
    assert "backup (the snapshot was unreadable)" in text
    assert "Dropped" in text
    assert "wrote a fresh snapshot" in text
    korean = cli.ok("--lang", "ko", "recover", session_id).out  # healthy now: nothing to repair
    assert "복구했습니다" in korean
    assert "스냅샷" in korean
