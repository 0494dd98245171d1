"""``session list --remote`` (every host's sessions from the manifests) and ``session recover ID``
fetching from the remote when the local copy is gone — the real command against loopback S3."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cli.support import Cli, session_executable
from tests.remote.s3server import LoopbackS3
from tests.remote.support import KEY_ENV


def host_cli(server: LoopbackS3, bucket: str, host: str, data_dir: Path) -> Cli:
    cli = Cli(session_executable())
    cli.base_env.update(KEY_ENV)
    cli.base_env.update(server.env())
    cli.base_env["SESSIONKEEPER_REMOTE"] = f"s3://{bucket}/team"
    cli.base_env["SESSIONKEEPER_REMOTE_HOST"] = host
    cli.base_env["SESSIONKEEPER_DATA_DIR"] = str(data_dir)
    return cli


def test_list_remote_and_recover_from_the_remote(loopback_s3: LoopbackS3, tmp_path: Path) -> None:
    bucket = loopback_s3.new_bucket()
    laptop = host_cli(loopback_s3, bucket, "laptop", tmp_path / "laptop")
    desktop = host_cli(loopback_s3, bucket, "desktop", tmp_path / "desktop")
    mine = laptop.start()
    laptop.ok("set", "where", "laptop")
    laptop.ok("backup", "push")
    theirs = desktop.start()
    desktop.ok("set", "where", "desktop")
    desktop.ok("backup", "push")

    listed = laptop.ok("list", "--remote", "--json").json()
    assert listed["remote"] == f"s3://{bucket}/team"
    by_host = {h["host"]: h for h in listed["hosts"]}
    assert by_host["laptop"]["sessions"] == [mine]
    assert by_host["desktop"]["sessions"] == [theirs]
    assert by_host["laptop"]["seq"] == 1
    shown = laptop.ok("list", "--remote").out
    assert "2 session(s) of 2 machine(s)" in shown
    assert mine in shown
    assert theirs in shown

    shutil.rmtree(tmp_path / "laptop" / "sessions")  # the laptop's local copy is gone
    recovered = laptop.ok("recover", mine, "--json").json()
    assert recovered["session_id"] == mine
    assert recovered["fetched_from"]["host"] == "laptop"
    assert recovered["fetched_from"]["seq"] == 1
    assert laptop.ok("get", "where").out.strip() == "laptop"

    text = laptop.ok("recover", theirs)  # never on this machine: the host that pushed it
    assert "fetched it from" in text.err
    assert "desktop" in text.err
    assert laptop.ok("get", "where").out.strip() == "desktop"
    (tmp_path / "fresh").mkdir()
    fresh = desktop.env(SESSIONKEEPER_DATA_DIR=str(tmp_path / "fresh"))
    assert "로컬 사본이 없어" in desktop.ok("--lang", "ko", "recover", mine, env=fresh).err

    nowhere = laptop.fails(
        "recover", "session_20200101_000000_0000abcd", env=laptop.env(SESSIONKEEPER_REMOTE=None)
    )
    assert "session_20200101_000000_0000abcd" in nowhere.err


def test_recover_a_prefix_that_only_the_remote_has(loopback_s3: LoopbackS3, tmp_path: Path) -> None:
    bucket = loopback_s3.new_bucket()
    laptop = host_cli(loopback_s3, bucket, "laptop", tmp_path / "laptop")
    desktop = host_cli(loopback_s3, bucket, "desktop", tmp_path / "desktop")
    mine = laptop.start()
    laptop.ok("set", "where", "laptop")
    laptop.ok("backup", "push")
    desktop.start()  # a local session that the prefix does not match
    random_part = mine.rsplit("_", 1)[-1]

    recovered = desktop.ok("recover", random_part[:6], "--json").json()
    assert recovered["session_id"] == mine
    assert recovered["fetched_from"]["host"] == "laptop"
    assert desktop.ok("get", "where").out.strip() == "laptop"

    for path in (tmp_path / "desktop" / "sessions").glob(f"{mine}*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    by_start = desktop.ok("recover", mine[:-4], "--json")  # a prefix of the whole id
    assert by_start.json()["session_id"] == mine

    unknown = desktop.fails("recover", "ffffffff")
    assert "ffffffff" in unknown.err
