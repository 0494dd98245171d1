"""The Now page shows the remote backup as this machine knows it (issue 18: "when present: remote
backup status"), read from local files only — and nothing when the data directory never pushed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.dashboard.conftest import Recorder, Server
from tests.dashboard.test_security import request, sign_in

SESSION = str(Path(sys.executable).with_name("session"))


def test_no_remote_no_backup_section(server: Server, recorder: Recorder) -> None:
    recorder.call("start BUILD")
    server.start()
    page = request(server, "/", headers={"Cookie": sign_in(server)}).body  # type: ignore[attr-defined]
    assert b'id="h-sessions"' in page
    assert b"Remote backup" not in page


def test_a_data_directory_that_pushed_shows_where_when_and_what_waits(
    server: Server, recorder: Recorder, env: dict[str, str], tmp_path: Path
) -> None:
    recorder.call("start BUILD")
    remote = tmp_path / "remote"
    pushed = subprocess.run(
        [SESSION, "backup", "push", "--remote", str(remote), "--json"],
        env={**env, "SESSIONKEEPER_REMOTE_PLAINTEXT": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert pushed.returncode == 0, pushed.stderr
    server.start()
    page = request(server, "/", headers={"Cookie": sign_in(server)}).body.decode()  # type: ignore[attr-defined]
    section = page[page.index('id="h-backup"') :]
    assert "Remote backup" in section
    assert str(remote) in section  # where it goes
    assert "ago)" in section  # when it last went
    assert "pushed" in section
    assert "Last error" not in section
