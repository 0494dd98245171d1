"""How a session was left — running, ended cleanly, crashed — as any process tells it from the files.

Issue 15: session files carry ``graceful_shutdown`` (false while running or after a crash, true
after a clean stop) and ``last_update``; ``session_status`` / ``SessionEntry.status()`` tell the
three apart. Crashes are real: a child process that dies by ``os._exit`` or SIGKILL.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from sessionkeeper.core import (
    SessionManager,
    list_sessions,
    read_session,
    session_paths,
    session_status,
)
from tests.conftest import LEGACY_FIXTURES, stored_document

# File times have the file system's granularity (ext4: nanoseconds; others: a few ms).
_MTIME_SLACK = timedelta(milliseconds=20)


def _status(data_dir: Path, session_id: str) -> tuple[str, bool | None]:
    entry = next(e for e in list_sessions(data_dir) if e.session_id == session_id)
    status = entry.status()
    assert status == session_status(entry.paths)  # the library's two ways agree
    return status.state, status.graceful_shutdown


def _child(data_dir: Path, user_dir: Path, body: str) -> subprocess.Popen[str]:
    code = (
        "import os, sys, time\n"
        "from sessionkeeper.core import SessionManager\n"
        f"m = SessionManager(data_dir={str(data_dir)!r}, user_dir={str(user_dir)!r})\n" + body
    )
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


def test_running_then_ended_cleanly(data_dir: Path, user_dir: Path) -> None:
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = manager.start()
    assert _status(data_dir, session_id) == ("running", False)
    before = datetime.now(UTC)
    manager.set("feature", {"name": "auth", "done": False})
    after = datetime.now(UTC)
    time.sleep(0.05)
    manager.stop()
    assert _status(data_dir, session_id) == ("ended", True)
    doc = stored_document(session_paths(data_dir, session_id).snapshot)
    assert doc["graceful_shutdown"] is True
    # last_update is when the last change was made, not when it was saved
    last_update = datetime.fromisoformat(doc["last_update"])
    assert before - _MTIME_SLACK <= last_update <= after + _MTIME_SLACK
    assert last_update < datetime.fromisoformat(doc["last_checkpoint"])
    view = read_session(data_dir, session_id)
    assert (view.graceful_shutdown, view.last_update, view.host) == (True, last_update, os.uname().nodename)


def test_a_killed_process_leaves_a_crashed_session_that_loses_nothing(data_dir: Path, user_dir: Path) -> None:
    child = _child(
        data_dir,
        user_dir,
        "sid = m.start()\nfor i in range(20):\n    m.set(f'k{i}', {'i': i})\n"
        "print(sid, flush=True)\ntime.sleep(60)\n",
    )
    assert child.stdout is not None
    session_id = child.stdout.readline().strip()
    assert _status(data_dir, session_id) == ("running", False)
    killed_at = datetime.now(UTC)
    child.send_signal(signal.SIGKILL)
    child.wait()
    state, graceful = _status(data_dir, session_id)
    assert (state, graceful) == ("crashed", False)
    status = session_status(session_paths(data_dir, session_id))
    assert status.last_update is not None
    assert status.last_update <= killed_at
    # resumed and stopped cleanly: every value is there, and the session says it ended
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    manager.resume(session_id)
    assert manager.get("k19") == {"i": 19}
    manager.stop()
    assert _status(data_dir, session_id) == ("ended", True)
    # the last change is still the crashed process's, not the resume's
    assert session_status(session_paths(data_dir, session_id)).last_update == status.last_update


def test_writes_after_a_clean_stop_that_are_never_folded_are_a_crash(data_dir: Path, user_dir: Path) -> None:
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = manager.start()
    manager.stop()
    assert _status(data_dir, session_id) == ("ended", True)
    child = _child(data_dir, user_dir, f"m.resume({session_id!r})\nm.set('late', 1)\nos._exit(0)\n")
    assert child.wait() == 0
    # the snapshot still says true, but a journal after it holds a record no clean stop folded
    assert _status(data_dir, session_id) == ("crashed", True)
    assert read_session(data_dir, session_id).get("late") == 1


def test_a_session_killed_right_after_start_is_a_crash(data_dir: Path, user_dir: Path) -> None:
    child = _child(data_dir, user_dir, "print(m.start(), flush=True)\nos._exit(0)\n")
    assert child.stdout is not None
    session_id = child.stdout.readline().strip()
    child.wait()
    assert _status(data_dir, session_id) == ("crashed", False)


def test_a_clean_stop_that_changed_nothing_writes_nothing(data_dir: Path, user_dir: Path) -> None:
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = manager.start()
    manager.set("a", 1)
    manager.stop()
    snapshot = session_paths(data_dir, session_id).snapshot
    before = snapshot.read_bytes()
    again = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    again.resume(session_id)
    again.stop()
    assert snapshot.read_bytes() == before
    assert _status(data_dir, session_id) == ("ended", True)


def test_sigterm_saves_but_the_session_did_not_stop_cleanly(data_dir: Path, user_dir: Path) -> None:
    body = "sid = m.start()\nm.set('a', 1)\nprint(sid, flush=True)\ntime.sleep(60)\n"
    child = _child(data_dir, user_dir, body)
    assert child.stdout is not None
    session_id = child.stdout.readline().strip()
    child.send_signal(signal.SIGTERM)
    assert child.wait() == -signal.SIGTERM
    assert _status(data_dir, session_id) == ("crashed", False)
    assert read_session(data_dir, session_id).report.journal_records == 0  # saved on the signal


# -- files of the old tool ---------------------------------------------------------------------------
def _legacy_copy(data_dir: Path, extra: dict[str, object] | None) -> str:
    source = sorted(LEGACY_FIXTURES.rglob("session_*.json"))[0]
    doc = orjson.loads(source.read_bytes())
    doc.update(extra or {})
    folder = data_dir / "sessions"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    target.write_bytes(orjson.dumps(doc))
    return source.name.removesuffix(".json")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (None, ("unknown", None)),  # the older layout does not say
        ({"graceful_shutdown": True, "last_update": "2025-10-27T04:10:00"}, ("ended", True)),
        ({"graceful_shutdown": False, "last_update": "2025-10-27T04:10:00"}, ("crashed", False)),
        ({"graceful_shutdown": "yes"}, ("unknown", None)),  # a wrong type says nothing
    ],
)
def test_files_of_the_old_tool_say_how_they_ended_when_they_carry_it(
    data_dir: Path, extra: dict[str, object] | None, expected: tuple[str, bool | None]
) -> None:
    session_id = _legacy_copy(data_dir, extra)
    before = (data_dir / "sessions" / f"{session_id}.json").read_bytes()
    assert _status(data_dir, session_id) == expected
    assert (data_dir / "sessions" / f"{session_id}.json").read_bytes() == before  # never changed


# -- hostile files ------------------------------------------------------------------------------------
def test_a_value_named_like_the_fields_does_not_fool_the_reader(data_dir: Path, user_dir: Path) -> None:
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = manager.start()
    manager.set("graceful_shutdown", True)
    manager.set("journal_epoch", 999999)
    manager.checkpoint()
    manager.abandon()  # as a crash would
    assert _status(data_dir, session_id) == ("crashed", False)


def test_a_planted_symlink_or_fifo_is_never_followed_or_opened(
    data_dir: Path, user_dir: Path, tmp_path: Path
) -> None:
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = manager.start()
    manager.stop()
    paths = session_paths(data_dir, session_id)
    secret = tmp_path / "secret.json"
    shutil.copyfile(paths.snapshot, secret)
    paths.snapshot.unlink()
    paths.backup.unlink()
    paths.snapshot.symlink_to(secret)
    os.mkfifo(paths.backup)
    status = session_status(paths)  # returns at once: no read through the link, no FIFO opened
    assert status.state == "unknown"
