"""``session backup prune`` as the real command against the loopback S3 server."""

from __future__ import annotations

from sessionkeeper.core.remote.s3 import S3Target
from tests.cli.support import Cli, session_executable
from tests.remote.s3server import LoopbackS3
from tests.remote.support import KEY_ENV


def test_prune_dry_run_json_and_text(loopback_s3: LoopbackS3) -> None:
    bucket = loopback_s3.new_bucket()
    cli = Cli(session_executable())
    cli.base_env.update(KEY_ENV)
    cli.base_env.update(loopback_s3.env())
    cli.base_env["SESSIONKEEPER_REMOTE"] = f"s3://{bucket}/team"
    cli.start()
    for index in range(3):
        cli.ok("set", "round", str(index))
        cli.ok("checkpoint")
        cli.ok("backup", "push")
    target = S3Target(f"s3://{bucket}/team", loopback_s3.connection())
    before = sorted(info.key for info in target.list())

    planned = cli.ok("backup", "prune", "--keep-last", "1", "--grace", "0", "--dry-run", "--json").json()
    assert (planned["dry_run"], planned["pushes_dropped"], planned["pushes_kept"]) == (True, 2, 1)
    assert planned["objects_removed"] > 0
    assert sorted(info.key for info in target.list()) == before

    shown = cli.ok("backup", "prune", "--keep-last", "1", "--grace", "0").out
    assert "2 push(es) dropped, 1 kept" in shown
    assert sorted(info.key for info in target.list()) == sorted(set(before) - set(planned["removed"]))
    assert cli.ok("backup", "verify", "--json").json()["unreferenced"] == 0
    assert cli.ok("get", "round").out.strip() == "2"

    later = cli.ok("backup", "prune", "--json").json()  # defaults: 100 pushes, an hour's grace
    assert (later["pushes_dropped"], later["objects_removed"]) == (0, 0)
    assert "--keep-within" in cli.ok("backup", "prune", "--help").out
    assert "원격 보존" in cli.ok("--lang", "ko", "backup", "prune", "--help").out
    assert cli.fails("backup", "prune", "--keep-last", "0", status=2).err
