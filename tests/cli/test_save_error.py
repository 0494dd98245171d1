"""A checkpoint that failed in one process is reported by `session info` in another."""

from __future__ import annotations

import os
from pathlib import Path

from sessionkeeper.core import SessionManager, session_paths
from tests.cli.support import Cli


def test_info_reports_the_last_save_error_of_another_process_until_a_save_succeeds(
    cli: Cli, data_dir: Path, user_dir: Path
) -> None:
    session_id = cli.start()
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    manager.resume(session_id)
    manager.set("k", 1)
    # A directory where the snapshot should be: the atomic replace fails (EISDIR), whoever runs it.
    snapshot = session_paths(data_dir, session_id).snapshot
    good = snapshot.read_bytes()
    snapshot.unlink()
    snapshot.mkdir()
    try:
        assert manager.checkpoint() is False
    finally:
        snapshot.rmdir()
        snapshot.write_bytes(good)
        os.chmod(snapshot, 0o600)
    assert manager.last_save_error

    info = cli.ok("info", "--json").json()
    assert info["last_save_error"], info
    assert "Last save error" in cli.ok("info").out

    assert manager.checkpoint()
    assert cli.ok("info", "--json").json()["last_save_error"] is None
    manager.stop()
