"""``session backup status | push | restore | verify``, run as the real ``session`` command in
subprocesses against the loopback S3 server (and a directory): settings, JSON, messages, errors."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from sessionkeeper.core.remote.s3 import S3Target
from tests.cli.support import Cli, session_executable
from tests.remote.s3server import SECRET_ACCESS_KEY, LoopbackS3
from tests.remote.support import KEY_ENV, OTHER_KEY


@pytest.fixture
def bucket(loopback_s3: LoopbackS3) -> str:
    return loopback_s3.new_bucket()


@pytest.fixture
def cli(loopback_s3: LoopbackS3, bucket: str) -> Cli:
    """``session`` with a key, the S3 server's AWS variables and the remote in the environment."""
    runner = Cli(session_executable())
    runner.base_env.update(KEY_ENV)
    runner.base_env.update(loopback_s3.env())
    runner.base_env["SESSIONKEEPER_REMOTE"] = f"s3://{bucket}/team"
    return runner


def no_secret(*outputs: str) -> None:
    for output in outputs:
        assert SECRET_ACCESS_KEY not in output
        assert "127.0.0.1" not in output  # nor the endpoint


def fill(cli: Cli) -> str:
    session_id = cli.start()
    cli.ok("set", "feature", "remote-backup")
    cli.ok("set", "count", "42")
    cli.ok("set", "theme", "dark", "--scope", "user")
    return session_id


def test_push_status_verify_restore(cli: Cli, tmp_path: Path) -> None:
    session_id = fill(cli)
    pushed = cli.ok("backup", "push", "--json").json()
    assert pushed["changed"] is True
    assert (pushed["seq"], pushed["stores"], pushed["dry_run"]) == (1, 2, False)  # the session and USER
    assert pushed["objects"] >= 3

    status = cli.ok("backup", "status", "--json").json()
    assert status["seq"] == 1
    assert (status["backlog_objects"], status["last_error"], status["remote_error"]) == (0, None, None)
    assert status["lag_seconds"] < 60
    assert status["origin"] == "SESSIONKEEPER_REMOTE"

    cli.ok("set", "late", "value")
    planned = cli.ok("backup", "push", "--dry-run", "--json").json()
    assert (planned["dry_run"], planned["changed"], planned["seq"]) == (True, False, 1)
    assert planned["objects"] >= 1
    assert cli.ok("backup", "status", "--json").json()["backlog_objects"] == planned["objects"]
    text = cli.ok("backup", "push").out
    assert text.startswith("Pushed ")
    assert "(push 2)" in text
    assert "up to date" in cli.ok("backup", "push").out

    verified = cli.ok("backup", "verify", "--json").json()
    assert verified["ok"] is True
    assert [host["seq"] for host in verified["hosts"]] == [2]
    assert "All intact" in cli.ok("backup", "verify").out

    elsewhere = tmp_path / "elsewhere"
    short = session_id.rsplit("_", 1)[1][:6]
    planned_restore = cli.ok("backup", "restore", short, "--to", str(elsewhere), "--dry-run", "--json").json()
    assert (planned_restore["dry_run"], planned_restore["keys"]) == (True, 3)
    assert not elsewhere.exists()  # fetched, checked and loaded in a scratch folder only
    assert (
        "nothing was written" in cli.ok("backup", "restore", short, "--to", str(elsewhere), "--dry-run").out
    )
    restored = cli.ok("backup", "restore", short, "--to", str(elsewhere), "--json").json()
    assert restored["dry_run"] is False
    assert restored["session_id"] == session_id
    assert restored["keys"] == 3
    assert cli.ok("--data-dir", str(elsewhere), "resume", "--json").json()["session_id"] == session_id
    again = cli.ok("--data-dir", str(elsewhere), "get", "late")
    assert again.out.strip() == "value"
    assert cli.ok("--data-dir", str(elsewhere), "get", "count").out.strip() == "42"
    refused = cli.fails("backup", "restore", session_id, "--to", str(elsewhere))
    assert "already exists" in refused.err
    no_secret(text, refused.err)


def test_no_remote_is_one_line_that_says_how_to_set_one(cli: Cli) -> None:
    fill(cli)
    env = cli.env(SESSIONKEEPER_REMOTE=None)
    for command in (("push",), ("status",), ("verify",), ("restore", "abcd")):
        failed = cli.fails("backup", *command, env=env)
        assert "no remote is configured" in failed.err
        assert "--remote URL" in failed.err


def test_the_flag_beats_the_environment_and_a_directory_works(cli: Cli, tmp_path: Path) -> None:
    fill(cli)
    directory = tmp_path / "nas"
    result = cli.ok("backup", "push", "--remote", str(directory), "--json").json()
    assert result["remote"] == str(directory)
    assert (directory / "hosts").is_dir()
    assert cli.ok("backup", "verify", "--remote", f"file://{directory}", "--json").json()["ok"]
    assert cli.ok("backup", "status", "--json").json()["seq"] == 0  # the S3 remote was not touched


def test_the_pyproject_remote_is_used_when_nothing_else_is(cli: Cli, tmp_path: Path, bucket: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(f'[tool.sessionkeeper]\nremote = "s3://{bucket}/from-file"\n')
    env = cli.env(SESSIONKEEPER_REMOTE=None, SESSIONKEEPER_DATA_DIR=None)
    cli.ok("start", cwd=project, env=env)
    pushed = cli.ok("backup", "push", "--json", cwd=project, env=env).json()
    assert pushed["remote"] == f"s3://{bucket}/from-file"
    status = cli.ok("backup", "status", "--json", cwd=project, env=env).json()
    assert status["origin"] == "remote in [tool.sessionkeeper]"


def test_a_wrong_key_changes_nothing_and_verify_says_locked(
    cli: Cli, loopback_s3: LoopbackS3, bucket: str
) -> None:
    fill(cli)
    cli.ok("backup", "push")
    target = S3Target(f"s3://{bucket}/team", loopback_s3.connection())
    before = {info.key: info.version for info in target.list()}
    wrong = cli.env(SESSIONKEEPER_KEY=OTHER_KEY, SESSIONKEEPER_REMOTE_HOST="other-machine")
    failed = cli.fails("backup", "push", env=wrong)
    assert "another key" in failed.err
    assert "nothing was changed" in failed.err
    locked = cli.fails("backup", "verify", env=wrong, status=3)
    assert "another key" in locked.err
    assert {info.key: info.version for info in target.list()} == before
    no_secret(failed.err, locked.err)


def test_a_missing_bucket_and_an_unreachable_endpoint_are_one_line_each(cli: Cli) -> None:
    fill(cli)
    missing = cli.fails("backup", "push", env=cli.env(SESSIONKEEPER_REMOTE="s3://no-such-bucket-x/p"))
    assert "does not exist" in missing.err
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = cli.fails("backup", "push", env=cli.env(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}"), timeout=120)
    assert "cannot reach" in down.err
    assert str(port) not in down.err
    status = cli.ok("backup", "status", "--json", env=cli.env(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}"))
    reported = status.json()
    assert "cannot reach" in reported["remote_error"]
    assert "cannot reach" in reported["last_error"]  # the failed push above is remembered
    assert reported["failures"] == 1
    no_secret(missing.err, down.err, status.out)


def test_refused_credentials_are_one_line(cli: Cli) -> None:
    from tests.remote.s3server import running

    fill(cli)
    with running(check_credentials=True) as strict:
        env = cli.env(**strict.env())
        failed = cli.fails("backup", "push", env=env)
    assert "refused the credentials" in failed.err
    no_secret(failed.err)


def test_a_tampered_object_fails_verify_and_restore(
    cli: Cli, loopback_s3: LoopbackS3, bucket: str, tmp_path: Path
) -> None:
    session_id = fill(cli)
    cli.ok("backup", "push")
    target = S3Target(f"s3://{bucket}/team", loopback_s3.connection())
    victim = max(target.list("objects"), key=lambda info: info.size)
    target.put(victim.key, b"not the bytes it was", mode="overwrite")
    failed = cli.run("backup", "verify")
    assert failed.status == 1
    assert victim.key in failed.out
    assert "1 problem(s)" in failed.err
    restore = cli.fails("backup", "restore", session_id, "--to", str(tmp_path / "x"))
    assert "does not match its name" in restore.err
    assert not (tmp_path / "x").exists()


def test_korean_messages(cli: Cli) -> None:
    fill(cli)
    cli.ok("backup", "push")
    shown = cli.ok("--lang", "ko", "backup", "status").out
    assert "마지막 성공" in shown
    assert "최신 상태" in cli.ok("backup", "push", "--lang", "ko").out
    assert "원격" in cli.ok("backup", "--help", "--lang", "ko").out


def test_info_shows_the_backup_without_reaching_the_remote(cli: Cli) -> None:
    fill(cli)
    assert cli.ok("info", "--json").json()["backup"]["seq"] == 0  # a remote is configured: never pushed
    cli.ok("backup", "push")
    backup = cli.ok("info", "--json").json()["backup"]
    assert (backup["seq"], backup["backlog_objects"], backup["last_error"]) == (1, 0, None)
    assert backup["lag_seconds"] < 60
    cli.ok("set", "more", "1")
    down = cli.env(AWS_ENDPOINT_URL="http://127.0.0.1:9")  # info never asks the remote
    backup = cli.ok("info", "--json", env=down).json()["backup"]
    assert backup["backlog_objects"] >= 1
    shown = cli.ok("info", env=down).out
    assert "Lag" in shown
    assert "Backlog" in shown
    assert "waiting" in shown
    assert cli.ok("info", "--json", env=cli.env(SESSIONKEEPER_REMOTE=None)).json()["backup"]["seq"] == 1


def test_restore_at_a_time_gives_the_session_as_pushed_then(cli: Cli, tmp_path: Path) -> None:
    import time
    from datetime import datetime

    session_id = fill(cli)
    cli.ok("set", "phase", "before")
    cli.ok("backup", "push")
    time.sleep(1.1)
    between = datetime.now().astimezone().isoformat(timespec="seconds")  # local time with its zone
    time.sleep(1.1)
    cli.ok("set", "phase", "after")
    cli.ok("backup", "push")
    then = tmp_path / "then"
    restored = cli.ok("backup", "restore", session_id, "--to", str(then), "--at", between, "--json").json()
    assert restored["seq"] == 1
    cli.ok("--data-dir", str(then), "resume")
    assert cli.ok("--data-dir", str(then), "get", "phase").out.strip() == "before"
    now = tmp_path / "now"
    assert cli.ok("backup", "restore", session_id, "--to", str(now), "--json").json()["seq"] == 2
    early = cli.fails(
        "backup", "restore", session_id, "--to", str(tmp_path / "x"), "--at", "2000-01-01T00:00"
    )
    assert "at or before" in early.err
    bad = cli.fails("backup", "restore", session_id, "--at", "yesterday")
    assert "is not a time" in bad.err


def test_restore_all_sets_a_machine_up_again(cli: Cli, tmp_path: Path) -> None:
    first = fill(cli)
    cli.ok("set", "--scope", "app", "project", "sessionkeeper")
    second = cli.start()
    cli.ok("set", "feature", "second")
    cli.ok("backup", "push")

    fresh = tmp_path / "new-laptop"
    assert cli.fails("backup", "restore", "--to", str(fresh)).status == 1  # neither an id nor --all
    assert cli.fails("backup", "restore", first, "--all", "--to", str(fresh)).status == 1  # both
    planned = cli.ok("backup", "restore", "--all", "--to", str(fresh), "--dry-run", "--json").json()
    assert planned["dry_run"] is True
    assert sorted(r["session_id"] for r in planned["restored"]) == sorted([first, second, "app"])
    assert not fresh.exists()

    done = cli.ok("backup", "restore", "--all", "--to", str(fresh), "--json").json()
    assert {r["session_id"]: r["keys"] for r in done["restored"]} == {first: 2, second: 1, "app": 1}
    assert done["present"] == []
    at_fresh = ("--data-dir", str(fresh))
    assert cli.ok(*at_fresh, "get", "--scope", "app", "project").out.strip() == "sessionkeeper"
    assert cli.ok(*at_fresh, "resume", "--json").json()["session_id"] in {first, second}
    assert cli.ok(*at_fresh, "show", first, "--json").json()["values"]["feature"] == "remote-backup"

    again = cli.ok("backup", "restore", "--all", "--to", str(fresh))
    assert "Restored 0 store(s)" in again.out
    assert "3 already there" in again.out
