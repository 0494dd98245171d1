"""What a process killed in the middle of a checkpoint leaves behind is cleaned up, not kept forever."""

from __future__ import annotations

import random
from pathlib import Path

from sessionkeeper.core import SessionManager, session_paths
from tests.crash.harness import kill_at, spawn_writer, wait_until_writing

MAX_KILLS = 40


def _temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp"))


def test_temp_files_of_checkpoints_killed_mid_write_are_removed_by_the_next_resume(tmp_path: Path) -> None:
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    creator = SessionManager(data_dir, user_dir, handle_signals=False)
    session_id = creator.start()
    creator.stop()
    sessions = session_paths(data_dir, session_id).directory
    rng = random.Random(5)
    first, kills = 1, 0
    while not _temp_files(sessions) and kills < MAX_KILLS:  # storm: a checkpoint after every write
        child = spawn_writer(tmp_path, (data_dir, user_dir, session_id), "", first, "storm")
        wait_until_writing([child], timeout=60)
        kill_at([child], [rng.uniform(0.02, 0.1)])
        kills += 1
        first += 100_000  # never reuse a sequence number (the values do not matter here)
    left = _temp_files(sessions)
    assert left, f"no kill out of {kills} landed while a snapshot was being written"

    manager = SessionManager(data_dir, user_dir, handle_signals=False)
    manager.resume(session_id)
    assert manager.checkpoint()
    manager.stop()
    assert _temp_files(sessions) == [], f"left behind by {kills} kill(s) and still there: {left}"
