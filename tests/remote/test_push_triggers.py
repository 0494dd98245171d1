"""When a running manager pushes besides every interval: right after a checkpoint (a burst of
checkpoints making one push, not one each), and once more on stop() — bounded by the interval when
the remote is down, the rest left to the next push."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from sessionkeeper.core import SessionManager, resolve_codec
from sessionkeeper.core.remote.push import push_remote
from sessionkeeper.core.remote.replicator import MIN_GAP, Replicator
from sessionkeeper.core.remote.restore import restore_session
from sessionkeeper.core.remote.s3 import S3Target
from sessionkeeper.core.remote.settings import RemoteSettings, TargetURL
from sessionkeeper.core.remote.state import StateFiles
from tests.remote.s3server import LoopbackS3
from tests.remote.support import remote_settings, session_values, wait_for

LONG = 60.0  # an interval no test waits for: whatever reaches the remote came by another trigger


pytestmark = pytest.mark.usefixtures("encrypted")


def replicator_of(manager: SessionManager) -> Replicator:
    replicator = manager._replicator
    assert replicator is not None
    return replicator


def restored(server: LoopbackS3, settings: RemoteSettings, session_id: str, place: Path) -> dict[str, object]:
    target = S3Target(settings.url, server.connection())
    restore_session(target, resolve_codec(), settings.host, session_id, place)
    return session_values(place, session_id)


def started(
    server: LoopbackS3, tmp_path: Path, interval: float
) -> tuple[SessionManager, RemoteSettings, str]:
    settings = remote_settings(TargetURL("s3", server.new_bucket(), "p"), interval=interval)
    manager = SessionManager(
        data_dir=tmp_path / "RUNS", user_dir=tmp_path / "user", handle_signals=False, remote=settings
    )
    manager.start()
    assert manager.session_id is not None
    manager.set("first", 1)
    assert wait_for(lambda: replicator_of(manager).pushes >= 1, 10)  # the first push, at 0.5 s
    return manager, settings, manager.session_id


def test_a_checkpoint_is_pushed_right_away_and_a_burst_makes_one_push(
    loopback_s3: LoopbackS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in loopback_s3.env().items():
        monkeypatch.setenv(name, value)
    manager, settings, session_id = started(loopback_s3, tmp_path, LONG)
    replicator = replicator_of(manager)
    try:
        manager.set("after", "checkpoint")
        pushes = replicator.pushes
        manager.checkpoint()
        assert wait_for(lambda: replicator.pushes > pushes, MIN_GAP + 5)  # not LONG seconds
        assert restored(loopback_s3, settings, session_id, tmp_path / "one")["after"] == "checkpoint"

        time.sleep(MIN_GAP)
        pushes = replicator.pushes
        for index in range(10):  # a burst: one push soon, the rest waits for MIN_GAP
            manager.set("burst", index)
            manager.checkpoint()
        time.sleep(MIN_GAP * 0.5)
        assert replicator.pushes - pushes <= 1
        assert wait_for(
            lambda: (
                restored(loopback_s3, settings, session_id, tmp_path / f"b{time.monotonic_ns()}").get("burst")
                == 9
            ),
            MIN_GAP * 2 + 5,
        )
        assert replicator.pushes - pushes <= 3
    finally:
        manager.stop()


def test_stop_pushes_what_it_saved(
    loopback_s3: LoopbackS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in loopback_s3.env().items():
        monkeypatch.setenv(name, value)
    manager, settings, session_id = started(loopback_s3, tmp_path, LONG)
    for index in range(50):
        manager.set(f"last{index}", index)
    began = time.monotonic()
    manager.stop()
    assert time.monotonic() - began < 10
    values = restored(loopback_s3, settings, session_id, tmp_path / "restored")
    assert all(values[f"last{index}"] == index for index in range(50))
    assert StateFiles(tmp_path / "RUNS").load().last_error is None


def test_stop_with_the_remote_down_waits_at_most_the_interval_and_the_next_push_sends_the_rest(
    own_server: LoopbackS3, tmp_path: Path
) -> None:
    interval = 2.0
    manager, settings, session_id = started(own_server, tmp_path, interval)
    manager.set("while-down", "kept")
    own_server.stop()
    began = time.monotonic()
    manager.stop()
    assert time.monotonic() - began <= interval + 1.0  # never blocked for long
    own_server.start()
    push_remote(tmp_path / "RUNS", tmp_path / "user", settings, resolve_codec())
    assert restored(own_server, settings, session_id, tmp_path / "restored")["while-down"] == "kept"


def test_stop_with_a_remote_that_never_answers_waits_at_most_the_interval(
    loopback_s3: LoopbackS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A server that accepts connections and never answers (the worst case: no error to stop at)."""
    for name, value in loopback_s3.env().items():
        monkeypatch.setenv(name, value)
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(64)
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{hole.getsockname()[1]}")
        interval = 1.5
        settings = remote_settings(TargetURL("s3", "silent", "p"), interval=interval)
        manager = SessionManager(
            data_dir=tmp_path / "RUNS", user_dir=tmp_path / "user", handle_signals=False, remote=settings
        )
        manager.start()
        before = time.perf_counter()
        manager.set("k", 1)
        assert time.perf_counter() - before < 0.25
        time.sleep(1.0)  # the first push hangs now
        began = time.monotonic()
        manager.stop()
        assert time.monotonic() - began <= interval + 0.75
