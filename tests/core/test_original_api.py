"""Code written for the original ``scripts/session_manager.py`` keeps working (issue 15, part 1).

What that code touches, each as a test of ours: ``current_state`` (a frozen, always-current view
that shares nothing a caller could change), the original's keys of ``get_session_info()``,
``SessionManager._instance = None`` as a restart, the deprecated ``_cleanup()`` and
``_cleanup_old_sessions()``, and a two-line ``scripts/session_manager.py`` that star-imports
``sessionkeeper.core``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from sessionkeeper.core import (
    NoActiveSessionError,
    SessionManager,
    SessionState,
    StateScope,
    list_sessions,
)
from tests.conftest import decoded_files, stored_document

Opener = Callable[..., SessionManager]
SCOPES = {"session", "user", "app", "temp"}
ORIGINAL_INFO_KEYS = {"session_id", "started_at", "last_checkpoint", "context_hash", "data_sizes"}


@pytest.fixture(autouse=True)
def fresh_singleton(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No process-wide instance before the test; every one made during it is stopped after it,
    and the signal handlers ``get_instance()`` installs are put back."""
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    monkeypatch.setattr(SessionManager, "_instance", None)
    monkeypatch.setattr(SessionManager, "_made", None)
    yield
    for instance in (SessionManager._instance, SessionManager._made):
        if instance is not None:
            instance.stop()
    for signum, handler in handlers.items():
        signal.signal(signum, handler)


def _state(session: SessionManager) -> SessionState:
    state = session.current_state
    assert state is not None
    return state


def _session_files(data_dir: Path, session_id: str) -> bytes:
    """Every file of one session (snapshot, backup, journals) as a reader with the key sees them."""
    sessions = data_dir / "sessions"
    roots = [path for path in sessions.iterdir() if path.name.startswith(session_id)]
    return b"\n".join(path.name.encode() + b"\n" + decoded_files(path) for path in sorted(roots))


# -- current_state ---------------------------------------------------------------------------------
def test_no_state_and_not_started_before_start_and_after_stop(data_dir: Path, user_dir: Path) -> None:
    session = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    assert session.current_state is None
    assert session.get_session_info() == {"status": "not_started"}
    session.start()
    assert session.current_state is not None
    session.stop()
    assert session.current_state is None
    assert session.get_session_info() == {"status": "not_started"}


def test_current_state_has_the_original_fields(manager: SessionManager) -> None:
    manager.set("current_feature", "authentication", StateScope.SESSION)
    manager.set("completed_tasks", ["setup", "database"], StateScope.SESSION)
    manager.set("user:theme", "dark", StateScope.USER)
    manager.set("project:name", "dev-rules-starter-kit", StateScope.APP)
    cache = {"big": list(range(5))}
    manager.set("temp:analysis_cache", cache, StateScope.TEMP)

    state = _state(manager)
    info = manager.info()
    assert isinstance(state, SessionState)
    assert state.session_id == manager.session_id
    assert datetime.fromisoformat(state.started_at) == info.started_at
    assert datetime.fromisoformat(state.last_checkpoint) == info.last_checkpoint
    # the last change (the sets above, journaled after the start's first snapshot)
    assert datetime.fromisoformat(state.last_update) >= datetime.fromisoformat(state.last_checkpoint)
    assert state.graceful_shutdown is False
    assert state.state_data == {}
    assert len(state.context_hash) == 16
    assert int(state.context_hash, 16) >= 0
    assert set(state.scope_data) == SCOPES
    assert state.scope_data["session"] == {
        "current_feature": "authentication",
        "completed_tasks": ["setup", "database"],
    }
    assert list(state.scope_data["session"]) == ["current_feature", "completed_tasks"]  # as set
    assert state.scope_data["user"] == {"user:theme": "dark"}
    assert state.scope_data["app"] == {"project:name": "dev-rules-starter-kit"}
    assert state.scope_data["temp"]["temp:analysis_cache"] is cache  # TEMP: the caller's own object
    assert state.to_dict()["scope_data"]["session"]["current_feature"] == "authentication"
    assert set(state.to_dict()) == {
        "session_id", "started_at", "last_checkpoint", "context_hash", "state_data", "scope_data",
        "graceful_shutdown", "last_update",
    }  # fmt: skip


def test_last_update_is_never_before_the_checkpoint_it_follows(manager: SessionManager) -> None:
    """A change journaled after a checkpoint is later than it, whatever the journal's mtime says:
    file systems stamp from a clock a tick coarser than ``datetime.now`` (a flake, seen in CI)."""
    manager.checkpoint()
    manager.set("after", True)
    journal = max((manager.data_dir / "sessions" / f"{manager.session_id}.d").glob("*.journal"))
    earlier = journal.stat().st_mtime - 1  # as a coarse clock can stamp a write
    os.utime(journal, (earlier, earlier))
    state = _state(manager)
    assert datetime.fromisoformat(state.last_update) >= datetime.fromisoformat(state.last_checkpoint)


def test_a_snapshot_never_dates_its_last_change_before_the_start(manager: SessionManager) -> None:
    """The snapshot's ``last_update`` comes from the journal's mtime, stamped by the file system's
    coarser clock: a change made within a tick of start() must still not predate it."""
    manager.set("first", True)
    journal = max((manager.data_dir / "sessions" / f"{manager.session_id}.d").glob("*.journal"))
    earlier = journal.stat().st_mtime - 1
    os.utime(journal, (earlier, earlier))
    assert manager.checkpoint()
    document = stored_document(manager.data_dir / "sessions" / f"{manager.session_id}.json")
    assert datetime.fromisoformat(document["last_update"]) >= datetime.fromisoformat(document["started_at"])


def test_current_state_is_always_current_and_each_one_stays_as_it_was(manager: SessionManager) -> None:
    manager.set("step", 1)
    first = _state(manager)
    manager.set("step", 2)
    manager.set("user:id", "12345", StateScope.USER)
    manager.set("cache", "x", StateScope.TEMP)
    second = _state(manager)
    manager.delete("step")

    assert first.scope_data["session"] == {"step": 1}  # a view is one moment, and stays it
    assert first.scope_data["user"] == {}
    assert first.scope_data["temp"] == {}
    assert second.scope_data["session"] == {"step": 2}
    assert second.scope_data["user"] == {"user:id": "12345"}
    assert second.context_hash != first.context_hash
    assert _state(manager).scope_data["session"] == {}  # every access is the session as it is now
    assert _state(manager).scope_data["temp"] == {"cache": "x"}


def test_current_state_gives_a_caller_nothing_that_changes_the_session(manager: SessionManager) -> None:
    manager.set("tasks", ["setup"])
    manager.set("prefs", {"theme": "dark"}, StateScope.USER)
    state = _state(manager)

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        state.session_id = "session_19990101_000000_00000000"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        manager.current_state = state  # type: ignore[misc]
    with pytest.raises(TypeError):
        state.scope_data["session"] = {}  # type: ignore[index]
    with pytest.raises(TypeError):
        state.scope_data["session"]["tasks"] = []  # type: ignore[index]
    with pytest.raises(TypeError):
        state.state_data["x"] = 1  # type: ignore[index]

    tasks = state.scope_data["session"]["tasks"]
    tasks.append("database")  # a fresh copy: the caller's own
    state.scope_data["user"]["prefs"]["theme"] = "light"
    state.to_dict()["scope_data"]["session"]["tasks"].append("api")
    assert state.scope_data["session"]["tasks"] == ["setup"]
    assert manager.get("tasks") == ["setup"]
    assert manager.get("prefs", StateScope.USER) == {"theme": "dark"}
    assert _state(manager).scope_data["session"]["tasks"] == ["setup"]


def test_context_hash_is_the_one_the_snapshot_carries(manager: SessionManager, data_dir: Path) -> None:
    manager.set("current_feature", "authentication")
    manager.set("completed_tasks", ["setup", "database"])
    manager.checkpoint()
    session_id = manager.session_id
    assert session_id is not None
    document = stored_document(data_dir / "sessions" / f"{session_id}.json")
    assert _state(manager).context_hash == document["context_hash"]
    before = _state(manager).context_hash
    manager.set("completed_tasks", ["setup", "database", "api"])
    assert _state(manager).context_hash != before


def test_last_checkpoint_moves_with_manual_and_automatic_checkpoints(manager: SessionManager) -> None:
    manager.set("counter", 0)
    started = _state(manager).last_checkpoint
    manager.checkpoint()
    manual = _state(manager).last_checkpoint
    assert datetime.fromisoformat(manual) > datetime.fromisoformat(started)

    manager.set("counter", 1)
    manager.checkpoint_interval = 0.2  # the original's test used 2 s and slept 3
    deadline = time.monotonic() + 10
    while _state(manager).last_checkpoint == manual:
        assert time.monotonic() < deadline, "no automatic checkpoint within 10 s"
        time.sleep(0.05)
    assert datetime.fromisoformat(_state(manager).last_checkpoint) > datetime.fromisoformat(manual)
    # last_update is the time of the last change (the set after the manual checkpoint), not of the
    # save; it is its journal's modification time, which the kernel keeps with a coarse clock (ms)
    state = _state(manager)
    updated = datetime.fromisoformat(state.last_update)
    assert datetime.fromisoformat(manual) - timedelta(milliseconds=20) < updated
    assert updated <= datetime.fromisoformat(state.last_checkpoint)


# -- get_session_info ------------------------------------------------------------------------------
def test_session_info_has_the_original_keys_besides_ours(manager: SessionManager) -> None:
    manager.set("a", 1)
    manager.set("b", 2)
    manager.set("user:name", "Claude", StateScope.USER)
    manager.set("app:mode", "development", StateScope.APP)
    manager.set("temp_cache", "volatile", StateScope.TEMP)

    info = manager.get_session_info()
    state = _state(manager)
    assert set(info) >= ORIGINAL_INFO_KEYS
    assert {"running", "keys", "events", "checkpoint_interval", "max_sessions", "load"} <= set(info)
    assert info["session_id"] == manager.session_id == state.session_id
    assert info["started_at"] == state.started_at
    assert info["last_checkpoint"] == state.last_checkpoint
    assert info["context_hash"] == state.context_hash
    assert info["data_sizes"] == {"session": 2, "user": 1, "app": 1, "temp": 1}
    assert info["running"] is True
    assert json.loads(json.dumps(info)) == info  # plain JSON, as the original's CLI printed it


# -- SessionManager._instance = None: a restart ----------------------------------------------------
def test_resetting_the_instance_is_a_restart_that_resumes(data_dir: Path) -> None:
    first = SessionManager.get_instance()
    first.start(resume_last=False)
    first.set("important_data", {"task": "testing", "step": 1}, StateScope.SESSION)
    first.set("user:id", "12345", StateScope.USER)
    session_id = _state(first).session_id

    SessionManager._instance = None
    second = SessionManager.get_instance()
    assert second is not first
    assert SessionManager.get_instance() is second
    assert not first.is_running  # stopped, having saved what it held: the snapshot has the value
    snapshot = stored_document(data_dir / "sessions" / f"{session_id}.json")
    assert "important_data" in snapshot["scope_data"]["session"]

    second.start(resume_last=True)
    assert _state(second).session_id == session_id
    assert second.get("important_data", StateScope.SESSION) == {"task": "testing", "step": 1}
    assert second.get("user:id", StateScope.USER) == "12345"


def test_the_instance_before_a_restart_writes_nothing_more(data_dir: Path) -> None:
    first = SessionManager.get_instance()
    first.checkpoint_interval = 0.1  # were it still running, it would checkpoint right away
    first.start(resume_last=False)
    first.set("session_number", 0)
    old_id = first.session_id
    assert old_id is not None

    SessionManager._instance = None
    second = SessionManager.get_instance()
    second.start(resume_last=False)
    files_after_restart = _session_files(data_dir, old_id)
    with pytest.raises(NoActiveSessionError):
        first.set("session_number", 99)
    for number in range(1, 4):
        second.set("session_number", number)
        second.checkpoint()
        time.sleep(0.1)
    assert second.session_id != old_id
    assert _session_files(data_dir, old_id) == files_after_restart
    assert first.current_state is None


# -- the deprecated cleanup aliases ----------------------------------------------------------------
def _sessions_made(data_dir: Path, user_dir: Path, count: int) -> list[str]:
    made = []
    for number in range(count):
        other = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
        made.append(other.start())
        other.set("session_number", number)
        other.stop()
    return made


def test_cleanup_is_a_deprecated_stop_with_a_final_checkpoint_and_retention(
    data_dir: Path, user_dir: Path, reopen: Opener
) -> None:
    session = reopen(max_sessions=2)
    session_id = session.start()
    _sessions_made(data_dir, user_dir, 3)  # four sessions now; retention keeps two
    session.set("last_words", "saved")

    with pytest.warns(DeprecationWarning, match=r"_cleanup\(\) is deprecated; use stop\(\)") as caught:
        session._cleanup()
    assert caught[0].filename == __file__  # points at the caller
    assert not session.is_running
    assert session.current_state is None
    snapshot = stored_document(data_dir / "sessions" / f"{session_id}.json")
    assert "last_words" in snapshot["scope_data"]["session"]  # the final checkpoint
    remaining = [entry.session_id for entry in list_sessions(data_dir)]
    assert len(remaining) == 2
    assert session_id in remaining  # the session being stopped is never the one pruned
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        session._cleanup()  # twice is harmless, as stop() is


def test_cleanup_old_sessions_is_a_deprecated_prune(data_dir: Path, user_dir: Path, reopen: Opener) -> None:
    made = _sessions_made(data_dir, user_dir, 4)
    session = reopen(max_sessions=2)  # not started: setting it prunes nothing yet
    assert len(list_sessions(data_dir)) == 4
    deprecated = r"_cleanup_old_sessions\(\) is deprecated; use prune\(\)"
    with pytest.warns(DeprecationWarning, match=deprecated) as caught:
        removed = session._cleanup_old_sessions()
    assert caught[0].filename == __file__
    remaining = [entry.session_id for entry in list_sessions(data_dir)]
    assert len(remaining) == 2
    assert sorted(removed + remaining) == sorted(made)


# -- the two-line scripts/session_manager.py -------------------------------------------------------
PROGRAM = """
import json
from scripts.session_manager import SessionManager, StateScope

session = SessionManager.get_instance()
before = session.get_session_info()
session.start(resume_last=False)
session.set("current_feature", "authentication", StateScope.SESSION)
session.set("user:theme", "dark", StateScope.USER)
session.set("temp:cache", {"big": True}, StateScope.TEMP)
state = session.current_state
info = session.get_session_info()

SessionManager._instance = None  # the original's restart
again = SessionManager.get_instance()
again.start(resume_last=True)
print(json.dumps({
    "before": before,
    "session_id": state.session_id,
    "scopes": sorted(state.scope_data),
    "info_keys": sorted(info),
    "data_sizes": info["data_sizes"],
    "resumed_id": again.current_state.session_id,
    "feature": again.get("current_feature", StateScope.SESSION),
    "theme": again.get("user:theme", StateScope.USER, default="light"),
    "names": [name for name in ("SessionManager", "StateScope", "SessionState")
              if name in vars(__import__("scripts.session_manager").session_manager)],
}))
"""


@pytest.mark.codec_sample
def test_a_two_line_scripts_session_manager_runs_the_original_code(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    (project / "scripts" / "session_manager.py").write_text(
        '"""Moved to Sessionkeeper."""\nfrom sessionkeeper.core import *  # noqa: F403\n'
    )
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        cwd=project, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    assert result["before"] == {"status": "not_started"}
    assert result["scopes"] == sorted(SCOPES)
    assert set(result["info_keys"]) >= ORIGINAL_INFO_KEYS
    assert result["data_sizes"] == {"session": 1, "user": 1, "app": 0, "temp": 1}
    assert result["resumed_id"] == result["session_id"]
    assert result["feature"] == "authentication"
    assert result["theme"] == "dark"
    assert result["names"] == ["SessionManager", "StateScope", "SessionState"]
    assert [entry.session_id for entry in list_sessions(Path(env["SESSIONKEEPER_DATA_DIR"]))] == [
        result["session_id"]
    ]
