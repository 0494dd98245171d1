"""The backlog's bound: more than BACKLOG_BYTES_BOUND waiting, or anything waiting with the last
success older than BACKLOG_LAG_BOUND, is shown by status and info and logged once by the replicator
(again only after a push worked in between)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from sessionkeeper.core import SessionManager, backup_status, resolve_codec
from sessionkeeper.core.remote import status as status_module
from sessionkeeper.core.remote.push import push_remote
from sessionkeeper.core.remote.replicator import Replicator
from sessionkeeper.core.remote.settings import TargetURL, parse_target_url
from sessionkeeper.core.remote.state import StateFiles
from tests.cli.support import Cli, session_executable
from tests.remote.s3server import LoopbackS3
from tests.remote.support import KEY_ENV, remote_settings, write_session

pytestmark = pytest.mark.usefixtures("encrypted")


def age_last_success(data_dir: Path, hours: float) -> None:
    path = StateFiles(data_dir).state
    document = orjson.loads(path.read_bytes())
    document["last_success"] = (datetime.now(UTC) - timedelta(hours=hours)).isoformat()
    path.write_bytes(orjson.dumps(document))


def test_the_bound_in_bytes_and_in_lag(tmp_path: Path) -> None:
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    settings = remote_settings(parse_target_url(str(tmp_path / "remote")))
    write_session(data_dir, user_dir)
    waiting = backup_status(data_dir, user_dir, settings)
    assert waiting is not None
    assert waiting.backlog_bytes > 0
    assert not waiting.over_bound  # far below 64 MiB, never pushed: no lag to speak of
    assert waiting.bound_bytes == status_module.BACKLOG_BYTES_BOUND == 64 << 20
    small = backup_status(data_dir, user_dir, settings, bound_bytes=waiting.backlog_bytes - 1)
    assert small is not None
    assert small.over_bound

    push_remote(data_dir, user_dir, settings, resolve_codec())
    age_last_success(data_dir, 2)
    nothing = backup_status(data_dir, user_dir, settings)
    assert nothing is not None
    assert (nothing.backlog_objects, nothing.over_bound) == (0, False)  # old, but nothing waits
    write_session(data_dir, user_dir, 3)
    late = backup_status(data_dir, user_dir, settings)
    assert late is not None
    assert late.backlog_objects > 0
    assert late.lag_seconds is not None
    assert late.lag_seconds > status_module.BACKLOG_LAG_BOUND
    assert late.over_bound


def test_the_replicator_warns_once_per_episode(
    own_server: LoopbackS3,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    settings = remote_settings(TargetURL("s3", own_server.new_bucket(), "b"), interval=1.0)
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, remote=False)
    manager.start()
    manager.set("k", 0)
    replicator = Replicator(data_dir, user_dir, settings, resolve_codec(), first=3600)  # pushed by hand
    try:
        assert replicator.push_once()
        monkeypatch.setattr(status_module, "BACKLOG_BYTES_BOUND", 100)
        own_server.stop()
        for index in range(3):
            manager.set(f"down{index}", "x" * 200)
            manager.checkpoint()
            assert not replicator.push_once()
        warnings = [r for r in caplog.records if "behind its bound" in r.getMessage()]
        assert len(warnings) == 1, warnings
        assert replicator.backlog_warned
        assert "local saving goes on" in warnings[0].getMessage()
        own_server.start()
        assert replicator.push_once()
        assert not replicator.backlog_warned
        own_server.stop()
        manager.set("again", "y" * 200)
        manager.checkpoint()
        assert not replicator.push_once()
        assert len([r for r in caplog.records if "behind its bound" in r.getMessage()]) == 2
    finally:
        replicator.stop()
        manager.stop()


def test_status_and_info_say_the_backlog_is_over_its_bound(loopback_s3: LoopbackS3, tmp_path: Path) -> None:
    cli = Cli(session_executable())
    cli.base_env.update(KEY_ENV)
    cli.base_env.update(loopback_s3.env())
    cli.base_env["SESSIONKEEPER_REMOTE"] = f"s3://{loopback_s3.new_bucket()}/team"
    data_dir = tmp_path / "RUNS"
    cli.base_env["SESSIONKEEPER_DATA_DIR"] = str(data_dir)
    cli.start()
    cli.ok("set", "a", "1")
    cli.ok("backup", "push")
    status = cli.ok("backup", "status", "--json").json()
    assert (status["over_bound"], status["bound_bytes"], status["bound_lag_seconds"]) == (
        False,
        64 << 20,
        3600.0,
    )
    cli.ok("set", "b", "2")
    age_last_success(data_dir, 2)
    status = cli.ok("backup", "status", "--json").json()
    assert status["over_bound"] is True
    assert "over the bound (64.0 MiB, or 1 h since the last success)" in cli.ok("backup", "status").out
    assert cli.ok("info", "--json").json()["backup"]["over_bound"] is True
    assert "over the bound" in cli.ok("info").out
    assert "한도 초과" in cli.ok("--lang", "ko", "info").out
