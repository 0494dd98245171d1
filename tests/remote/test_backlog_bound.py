"""The backlog's bound: more than remote-backlog-mb waiting (default 64 MiB), or anything waiting
with the last success older than remote-backlog-seconds (default one hour), is shown by status and
info and logged once by the replicator (again only after a push worked in between)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import orjson
import pytest

from sessionkeeper.cli.commands.backup import backup_rows
from sessionkeeper.core import SessionManager, backup_status, resolve_codec
from sessionkeeper.core.remote import status as status_module
from sessionkeeper.core.remote.push import push_remote
from sessionkeeper.core.remote.replicator import Replicator
from sessionkeeper.core.remote.settings import TargetURL, parse_target_url, resolve_remote
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
    tight = attrs.evolve(settings, backlog_bytes=waiting.backlog_bytes - 1)  # as remote-backlog-mb sets it
    found = backup_status(data_dir, user_dir, tight)
    assert found is not None
    assert (found.over_bound, found.bound_bytes) == (True, waiting.backlog_bytes - 1)
    roomy = backup_status(data_dir, user_dir, attrs.evolve(settings, backlog_bytes=waiting.backlog_bytes))
    assert roomy is not None
    assert not roomy.over_bound  # over means more than the bound

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
    patient = backup_status(data_dir, user_dir, attrs.evolve(settings, backlog_seconds=3 * 3600.0))
    assert patient is not None
    assert (patient.over_bound, patient.bound_lag_seconds) == (False, 3 * 3600.0)


def test_the_configured_bound_reaches_the_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        f'[tool.sessionkeeper]\nremote = "{tmp_path / "remote"}"\nremote-backlog-seconds = 600\n'
    )
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    settings = resolve_remote(None, project, {"SESSIONKEEPER_REMOTE_BACKLOG_MB": "2.5"})
    assert settings is not None
    assert (settings.backlog_bytes, settings.backlog_seconds) == (int(2.5 * (1 << 20)), 600.0)
    write_session(data_dir, user_dir)
    push_remote(data_dir, user_dir, settings, resolve_codec())
    write_session(data_dir, user_dir, 3)
    age_last_success(data_dir, 0.5)  # 30 minutes: over 600 s, under the default hour
    found = backup_status(data_dir, user_dir, settings)
    assert found is not None
    assert (found.over_bound, found.bound_bytes, found.bound_lag_seconds) == (
        True,
        settings.backlog_bytes,
        600.0,
    )
    default = backup_status(data_dir, user_dir, remote_settings(settings.url))
    assert default is not None
    assert not default.over_bound
    # No remote given (the dashboard, `session info` with a remote it cannot use): as configured.
    monkeypatch.chdir(project)
    unnamed = backup_status(data_dir, user_dir)
    assert unnamed is not None
    assert (unnamed.over_bound, unnamed.bound_lag_seconds) == (True, 600.0)
    monkeypatch.setenv("SESSIONKEEPER_REMOTE_BACKLOG_SECONDS", "soon")  # unreadable: the defaults
    fallback = backup_status(data_dir, user_dir)
    assert fallback is not None
    assert (fallback.over_bound, fallback.bound_lag_seconds) == (False, 3600.0)


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
        own_server.stop()
        assert not replicator.push_once()
        assert not [r for r in caplog.records if "behind its bound" in r.getMessage()]  # under 64 MiB
        replicator.remote = attrs.evolve(settings, backlog_bytes=100)  # as remote-backlog-mb would set it
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


def test_a_store_a_push_skips_is_named_and_is_not_backlog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session written before encryption was switched on is never pushed to a remote that takes
    encrypted files only: the status names it instead of counting it as backlog that no push can
    clear (which kept the backlog over its bound for good)."""
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    settings = remote_settings(parse_target_url(str(tmp_path / "remote")))
    for name in KEY_ENV:
        monkeypatch.delenv(name)
    plain = SessionManager(data_dir=data_dir, user_dir=user_dir, background=False, handle_signals=False)
    plain_id = plain.start()
    plain.set("written", "before encryption")
    plain.stop()
    for name, value in KEY_ENV.items():
        monkeypatch.setenv(name, value)
    write_session(data_dir, user_dir)

    why = f"{plain_id}.json is not encrypted (written before encryption was switched on?)"
    waiting = backup_status(data_dir, user_dir, settings)
    assert waiting is not None
    planned = push_remote(data_dir, user_dir, settings, resolve_codec(), dry_run=True)
    assert waiting.skipped == planned.skipped == ((plain_id, why),)
    assert waiting.backlog_objects == planned.objects > 0
    push_remote(data_dir, user_dir, settings, resolve_codec())
    age_last_success(data_dir, 2)
    after = backup_status(data_dir, user_dir, settings)
    assert after is not None
    assert (after.backlog_objects, after.over_bound, after.skipped) == (0, False, ((plain_id, why),))
    rows = dict(backup_rows(after))
    assert plain_id in rows["Not pushed"]
    # A remote that takes plain files pushes it: then it is backlog like any other store.
    allowing = backup_status(data_dir, user_dir, attrs.evolve(settings, plaintext=True))
    assert allowing is not None
    assert (allowing.skipped, allowing.backlog_objects > 0, allowing.over_bound) == ((), True, True)


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

    # The bound as configured: three hours and 2 MiB are not passed by two hours and a few bytes.
    cli.base_env["SESSIONKEEPER_REMOTE_BACKLOG_SECONDS"] = "10800"
    cli.base_env["SESSIONKEEPER_REMOTE_BACKLOG_MB"] = "2"
    status = cli.ok("backup", "status", "--json").json()
    assert (status["over_bound"], status["bound_bytes"], status["bound_lag_seconds"]) == (
        False,
        2 << 20,
        10800.0,
    )
    assert cli.ok("info", "--json").json()["backup"]["over_bound"] is False
    cli.base_env["SESSIONKEEPER_REMOTE_BACKLOG_SECONDS"] = "3600"
    assert "over the bound (2.0 MiB, or 1 h since the last success)" in cli.ok("backup", "status").out
    cli.base_env["SESSIONKEEPER_REMOTE_BACKLOG_MB"] = "0"
    failed = cli.run("backup", "status")
    assert failed.status != 0
    assert "SESSIONKEEPER_REMOTE_BACKLOG_MB" in failed.err
