"""SIGKILL at random moments, constantly checkpointing: no acknowledged write is ever lost.

``SESSIONKEEPER_CRASH_KILLS`` sets the number of kills (default 200, about 1.5 minutes here). Under
the codec matrix these run in full on plain and, with a quarter of the kills, on one other codec
chosen by rotation (``codec_sample``): the kill points are the same, the codec only changes the bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sessionkeeper.core import SessionManager, StateScope, TaskStarted
from tests.conftest import is_plain
from tests.crash.harness import Model, Stats, compare, read_only
from tests.crash.writer import operation, value

REPO = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("SESSIONKEEPER_CRASH_KILLS", "200"))


def _run_harness(tmp_path: Path, kills: int, writers: int) -> dict[str, Any]:
    report = tmp_path / "report.json"
    options = ["--kills", str(kills), "--writers", str(writers), "--dir", str(tmp_path / "work")]
    proc = subprocess.run(
        [sys.executable, "-m", "tests.crash.harness", *options, "--report", str(report)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1100,
        check=False,
    )
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout
    assert lines[0].endswith("acknowledged writes lost 0, unreadable sessions 0"), proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats: dict[str, Any] = json.loads(report.read_text())
    assert lines[0] == f"kills {stats['kills']}, acknowledged writes lost 0, unreadable sessions 0"
    assert stats["kills"] >= kills
    assert (stats["damaged"], stats["unexpected"], stats["child_errors"]) == (0, 0, 0)
    # The run really exercised what it claims: recoveries and, over enough kills, many writes and
    # kills inside checkpoints.
    assert stats["full_recoveries"] >= max(kills // writers // 4, 1)
    if kills >= 20:
        assert stats["acknowledged"] > 50 * kills
        assert stats["kills_during_checkpoint"] > 0
    return stats


def _kills(full: int) -> int:
    """The full count on plain; a quarter of it (at least 20) under the other codecs."""
    return full if is_plain() else max(full // 4, min(full, 20))


@pytest.mark.slow
@pytest.mark.codec_sample
@pytest.mark.timeout(1200)
def test_sigkill_at_random_moments_loses_no_acknowledged_write(tmp_path: Path) -> None:
    kills = _kills(KILLS)
    stats = _run_harness(tmp_path, kills, writers=1)
    assert stats["kills"] == kills


@pytest.mark.slow
@pytest.mark.codec_sample
@pytest.mark.timeout(1200)
def test_sigkill_of_processes_writing_one_session_at_once_loses_no_acknowledged_write(tmp_path: Path) -> None:
    _run_harness(tmp_path, _kills(max(KILLS // 4, 3)), writers=3)


def test_the_checker_counts_a_missing_acknowledged_write_as_lost(data_dir: Path, user_dir: Path) -> None:
    """The harness would notice a loss: an acknowledged write that is not on disk is counted."""
    manager = SessionManager(data_dir, user_dir, handle_signals=False)
    session_id = manager.start()
    scopes = {"session": StateScope.SESSION, "user": StateScope.USER, "app": StateScope.APP}
    model = Model([""])
    ops = [operation(seq) for seq in range(1, 60)]
    for op in ops:
        if op.scope == "event":
            manager.record(TaskStarted(task_id=op.key))
        else:
            manager.set(op.key, value(op.seq), scopes[op.scope])
    manager.stop()
    model.apply("", ops)

    clean = Stats()
    compare(read_only(data_dir, user_dir, session_id), model, {"": operation(60)}, clean, "clean")
    assert (clean.lost, clean.unexpected, clean.values_checked) == (0, 0, 57)

    model.apply("", [operation(61), operation(62)])  # claimed acknowledged, never written
    lossy = Stats()
    compare(read_only(data_dir, user_dir, session_id), model, {"": operation(63)}, lossy, "lossy")
    assert lossy.lost == 2
