"""Replication in the background: a running manager's changes reach the remote within the
interval; a remote that is down never slows or fails set(), the failure is kept and reported, and
pushes resume when the remote is back. The manager without a remote never imports the remote code."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from sessionkeeper.core import SessionManager, backup_status, resolve_codec
from sessionkeeper.core.remote.replicator import Replicator
from sessionkeeper.core.remote.restore import restore_session
from sessionkeeper.core.remote.s3 import S3Target
from sessionkeeper.core.remote.settings import TargetURL
from sessionkeeper.core.remote.state import StateFiles
from tests.remote.s3server import LoopbackS3
from tests.remote.support import remote_settings, session_values, wait_for

pytestmark = pytest.mark.usefixtures("encrypted")


def test_a_running_manager_replicates_within_the_interval(
    loopback_s3: LoopbackS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in loopback_s3.env().items():
        monkeypatch.setenv(name, value)
    bucket = loopback_s3.new_bucket()
    settings = remote_settings(TargetURL("s3", bucket, "live"), interval=1.0)
    target = S3Target(settings.url, loopback_s3.connection())
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, remote=settings)
    manager.start()
    session_id = manager.session_id
    assert session_id is not None
    try:
        for round_ in range(3):
            manager.set("round", round_)
            written = time.monotonic()

            def arrived(expected: int = round_) -> bool:
                place = tmp_path / f"probe-{time.monotonic_ns()}"
                try:
                    restore_session(target, resolve_codec(), settings.host, session_id, place)
                except Exception:
                    return False
                return session_values(place, session_id).get("round") == expected

            assert wait_for(arrived, 10), f"round {round_} never reached the remote"
            assert time.monotonic() - written <= settings.interval + 2.5  # lag bound: interval + a push
    finally:
        manager.stop()
    status = backup_status(data_dir, user_dir, settings)
    assert status is not None
    assert status.seq >= 3
    assert status.last_error is None


def test_a_remote_that_is_down_never_slows_set_and_pushes_resume(
    own_server: LoopbackS3, tmp_path: Path
) -> None:
    bucket = own_server.new_bucket()
    settings = remote_settings(TargetURL("s3", bucket, "down"), interval=1.0)
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, remote=False)
    manager.start()
    session_id = manager.session_id
    assert session_id is not None
    replicator = Replicator(data_dir, user_dir, settings, resolve_codec(), first=0.0)
    try:
        assert wait_for(lambda: replicator.pushes >= 1, 10)
        own_server.stop()
        slowest = 0.0
        started = time.monotonic()
        index = 0
        while time.monotonic() - started < 4 or replicator.failures < 2:  # pushes fail meanwhile
            before = time.perf_counter()
            manager.set(f"while-down-{index}", index)
            slowest = max(slowest, time.perf_counter() - before)
            index += 1
            time.sleep(0.002)
            assert time.monotonic() - started < 30, "the replicator never noticed the server was down"
        assert slowest < 0.25, slowest  # set() never waited for the remote
        assert replicator.failures >= 2
        assert replicator.next_wait() >= 4 * settings.interval  # backing off
        state = StateFiles(data_dir).load()
        assert state.last_error is not None
        assert "cannot reach" in state.last_error
        assert state.failures >= 2
        status = backup_status(data_dir, user_dir, settings)
        assert status is not None
        assert status.backlog_objects >= 1  # what waits: the journal written while down

        own_server.start()
        replicator.wake(now=True)
        assert wait_for(lambda: replicator.failures == 0 and replicator.last_error is None, 20)
    finally:
        replicator.stop(5)
        manager.stop()
    assert StateFiles(data_dir).load().last_error is None
    place = tmp_path / "restored"
    restore_session(
        S3Target(settings.url, own_server.connection()), resolve_codec(), settings.host, session_id, place
    )
    values = session_values(place, session_id)
    assert all(values[f"while-down-{i}"] == i for i in range(index))


def test_a_manager_without_a_remote_never_imports_the_remote_code(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from sessionkeeper.core import SessionManager\n"
        f"m = SessionManager(data_dir={str(tmp_path / 'RUNS')!r}, user_dir={str(tmp_path / 'u')!r})\n"
        "m.start(); m.set('k', 1); m.checkpoint(); m.stop()\n"
        "remote = ('sessionkeeper.core.remote', 'obstore')\n"
        "print(sorted(name for name in sys.modules if name.startswith(remote)))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert found.stdout.strip() == "[]", found.stdout + found.stderr


def test_a_bad_remote_setting_is_logged_and_local_saving_goes_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SESSIONKEEPER_REMOTE", "gs://bucket/x")
    manager = SessionManager(data_dir=tmp_path / "RUNS", user_dir=tmp_path / "u", handle_signals=False)
    manager.start()
    manager.set("k", 1)
    manager.stop()
    assert "remote backup is off" in caplog.text
    assert "not supported" in caplog.text
