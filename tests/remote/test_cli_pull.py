"""``session backup pull`` as people run it: two machines (their own data and user directories and
host names) sharing one bucket on the loopback S3 server, real ``session`` subprocesses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.support import Cli, digest, session_executable
from tests.remote.s3server import LoopbackS3
from tests.remote.support import KEY_ENV, OTHER_KEY


def machine(server: LoopbackS3, bucket: str, root: Path, name: str) -> Cli:
    runner = Cli(session_executable())
    runner.base_env.update(KEY_ENV)
    runner.base_env.update(server.env())
    runner.base_env.update(
        SESSIONKEEPER_REMOTE=f"s3://{bucket}/team",
        SESSIONKEEPER_REMOTE_HOST=name,
        SESSIONKEEPER_DATA_DIR=str(root / name / "RUNS"),
        SESSIONKEEPER_USER_DIR=str(root / name / "user"),
    )
    runner.start()
    return runner


@pytest.fixture
def pair(loopback_s3: LoopbackS3, tmp_path: Path) -> tuple[Cli, Cli]:
    bucket = loopback_s3.new_bucket()
    return machine(loopback_s3, bucket, tmp_path, "laptop"), machine(loopback_s3, bucket, tmp_path, "desktop")


def test_pull_merges_and_reports_keys_never_values(pair: tuple[Cli, Cli]) -> None:
    laptop, desktop = pair
    laptop.ok("set", "--scope", "user", "api-hint", "s3cr3t-value")
    laptop.ok("set", "--scope", "user", "theme", "dark")
    laptop.ok("backup", "push")
    desktop.ok("set", "--scope", "user", "theme", "light")  # later: the desktop's wins
    desktop.ok("backup", "push")

    planned = desktop.ok("backup", "pull", "--dry-run", "--json").json()
    assert planned["dry_run"] is True
    assert [(k["key"], k["action"]) for k in planned["keys"]] == [("api-hint", "took"), ("theme", "kept")]
    assert desktop.fails("get", "--scope", "user", "api-hint").status == 1  # nothing written yet

    text = desktop.ok("backup", "pull")
    assert "api-hint" in text.out
    assert "1 taken" in text.out
    assert "s3cr3t-value" not in text.out + text.err
    assert desktop.ok("get", "--scope", "user", "api-hint").out.strip() == "s3cr3t-value"
    assert desktop.ok("get", "--scope", "user", "theme").out.strip() == "light"

    desktop.ok("backup", "push")
    done = laptop.ok("backup", "pull", "--json").json()
    assert done["hosts"] == ["desktop"]
    assert [(k["key"], k["action"], k["host"], k["disagreed"]) for k in done["keys"]] == [
        ("theme", "took", "desktop", ["laptop"])
    ]
    assert laptop.ok("get", "--scope", "user", "theme").out.strip() == "light"

    laptop.ok("delete", "--scope", "user", "api-hint")
    laptop.ok("backup", "push")
    gone = desktop.ok("backup", "pull", "--json").json()
    assert [(k["key"], k["action"]) for k in gone["keys"]] == [("api-hint", "deleted")]
    assert desktop.fails("get", "--scope", "user", "api-hint").status == 1


def test_pull_with_a_wrong_key_is_one_error_and_changes_nothing(
    pair: tuple[Cli, Cli], tmp_path: Path
) -> None:
    laptop, desktop = pair
    laptop.ok("set", "--scope", "user", "theme", "dark")
    laptop.ok("backup", "push")
    desktop.ok("set", "--scope", "user", "font", "mono")
    before = digest(tmp_path / "desktop")
    failed = desktop.fails("backup", "pull", env=desktop.env(SESSIONKEEPER_KEY=OTHER_KEY))
    assert "another key" in failed.err
    assert digest(tmp_path / "desktop") == before


def test_pull_without_a_remote_says_how_to_configure_one(pair: tuple[Cli, Cli]) -> None:
    _, desktop = pair
    failed = desktop.fails("backup", "pull", env=desktop.env(SESSIONKEEPER_REMOTE=None))
    assert "no remote is configured" in failed.err
