"""``session-analyze --remote``: every host's live sessions and history archive, from each latest
push, each session counted once — the real command in a subprocess against loopback S3 (and a
directory), with the real manager, retention and push writing what it reads (issue 17)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import orjson
import pytest

from sessionkeeper.core import CommandExecuted, SessionManager, TaskCompleted, TaskStarted, resolve_codec
from sessionkeeper.core.remote.keys import OBJECTS, object_digest
from sessionkeeper.core.remote.push import push_remote
from sessionkeeper.core.remote.settings import TargetURL, open_target
from sessionkeeper.core.storage.targets import BackupTarget
from tests.remote.s3server import LoopbackS3
from tests.remote.support import OTHER_KEY, remote_settings
from tests.remote.test_history_push import record_work, retain

pytestmark = pytest.mark.usefixtures("encrypted")

SCRIPT = Path(sys.executable).with_name("session-analyze")
FETCHED = re.compile(
    r"downloaded (\d+) objects? \(([\d.,]+) (bytes?|KiB|MiB)\), (\d+) objects? from the local"
)
UNITS = {"byte": 1, "bytes": 1, "KiB": 1024, "MiB": 1 << 20}


@attrs.frozen
class Hosts:
    """Two machines' data directories pushed to one remote, and what a report of both must count."""

    url: str
    target: BackupTarget
    tasks: int
    failed: int
    commands: int
    commands_failed: int
    sessions: int
    shared: str  # the session both hosts pushed


def push_as(host: str, data_dir: Path, url: TargetURL) -> None:
    result = push_remote(data_dir, data_dir / "user", remote_settings(url, host=host), resolve_codec())
    assert result.changed
    assert result.skipped == ()


def two_hosts(tmp_path: Path, url: TargetURL, shown: str) -> Hosts:
    """laptop: 4 sessions, 2 of them archived by retention; desktop: 3 sessions, 1 archived, plus a
    copy of one of the laptop's live sessions, resumed there and given one more task and command (so
    the desktop's copy is the latest)."""
    laptop, desktop = tmp_path / "laptop", tmp_path / "desktop"
    laptop_ids = record_work(laptop, laptop / "user", "L", 4)
    assert len(retain(laptop, 2)) == 2
    push_as("laptop", laptop, url)
    record_work(desktop, desktop / "user", "D", 3)
    assert len(retain(desktop, 2)) == 1
    shared = laptop_ids[-1]
    for suffix in (".json", ".json.bak", ".d"):
        source = laptop / "sessions" / f"{shared}{suffix}"
        if source.is_dir():
            shutil.copytree(
                source, desktop / "sessions" / source.name, ignore=shutil.ignore_patterns("*lock*", "live")
            )
        elif source.exists():
            shutil.copy2(source, desktop / "sessions" / source.name)
    manager = SessionManager(data_dir=desktop, user_dir=desktop / "user", handle_signals=False, fsync="never")
    assert manager.resume(shared) == shared
    manager.record(TaskStarted(task_id="EXTRA"))
    manager.record(CommandExecuted(command="make extra", exit_code=0, duration=0.1, task_id="EXTRA"))
    manager.record(TaskCompleted(task_id="EXTRA", success=True, duration=1.0))
    manager.stop()
    push_as("desktop", desktop, url)
    # record_work: one task per session (odd ones fail), two commands each
    return Hosts(
        shown,
        open_target(url),
        tasks=4 + 3 + 1,
        failed=2 + 1,
        commands=8 + 6 + 1,
        commands_failed=4 + 3,
        sessions=4 + 3,  # the shared session once
        shared=shared,
    )


def analyze(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, cache: str = "cache"
) -> subprocess.CompletedProcess[str]:
    run_env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")}
    run_env.update(LANG="C.UTF-8", XDG_CACHE_HOME=str(tmp_path / cache), TMPDIR=str(tmp_path / "tmp"))
    run_env.update(env or {})
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return subprocess.run(
        [SCRIPT, "--days", "30", *args], env=run_env, capture_output=True, text=True, timeout=120, check=False
    )


def report_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    document: dict[str, Any] = orjson.loads(result.stdout)
    return document


def assert_counts_each_once(report: dict[str, Any], hosts: Hosts) -> None:
    stats = report["stats"]
    assert stats["total_tasks"] == hosts.tasks
    assert stats["failed"] == hosts.failed
    assert stats["commands_run"] == hosts.commands
    assert stats["commands_failed"] == hosts.commands_failed
    assert report["sessions_read"] == hosts.sessions
    skipped = [(item["file"], item["reason"]) for item in report["files_skipped"]]
    assert skipped == [(f"laptop:{hosts.shared}.json", "older_copy")]
    assert "desktop:" in report["files_skipped"][0]["detail"]


def fetch_counts(stderr: str) -> tuple[int, int, int]:
    """(objects downloaded, about how many bytes, objects from the cache), as the run says on stderr."""
    found = FETCHED.search(stderr)
    assert found is not None, stderr
    fetched, size, unit, cached = found.groups()
    return int(fetched), int(float(size.replace(",", "")) * UNITS[unit]), int(cached)


def no_temp_left(tmp_path: Path) -> bool:
    return list((tmp_path / "tmp").iterdir()) == []


@pytest.fixture
def s3_hosts(loopback_s3: LoopbackS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Hosts:
    for name, value in loopback_s3.env().items():
        monkeypatch.setenv(name, value)
    bucket = loopback_s3.new_bucket()
    return two_hosts(tmp_path, TargetURL("s3", bucket, "team"), f"s3://{bucket}/team")


def test_every_host_and_its_archive_counted_once_and_a_second_run_downloads_nothing(
    s3_hosts: Hosts, tmp_path: Path
) -> None:
    first = analyze(tmp_path, "--remote", s3_hosts.url, "--json")
    assert_counts_each_once(report_of(first), s3_hosts)
    assert f"Read {s3_hosts.url}: desktop (#1, " in first.stderr
    assert "laptop (#1, " in first.stderr
    fetched, fetched_bytes, cached = fetch_counts(first.stderr)
    assert fetched > 0
    assert fetched_bytes > 1024
    assert cached > 0  # objects both hosts pushed (the shared session's backup) are downloaded once
    assert no_temp_left(tmp_path)
    cache = tmp_path / "cache" / "sessionkeeper" / "objects"
    assert cache.stat().st_mode & 0o777 == 0o700

    # Second run: every object comes from the cache. Proof that none is downloaded: the remote's
    # objects are gone (manifests and indexes stay), and the same report comes out.
    objects = [info.key for info in s3_hosts.target.list(OBJECTS) if object_digest(info.key)]
    for key in objects:
        s3_hosts.target.delete(key)
    second = analyze(tmp_path, "--remote", s3_hosts.url, "--json")
    report = report_of(second)
    assert_counts_each_once(report, s3_hosts)
    assert fetch_counts(second.stderr) == (0, 0, fetched + cached)
    assert no_temp_left(tmp_path)

    # The configured remote, with --remote alone (followed by another option).
    configured = analyze(tmp_path, "--remote", "--json", env={"SESSIONKEEPER_REMOTE": s3_hosts.url})
    assert report_of(configured)["stats"] == report["stats"]


def test_a_wrong_key_a_tampered_object_and_a_missing_bucket_are_one_error_line(
    s3_hosts: Hosts, tmp_path: Path
) -> None:
    wrong = analyze(tmp_path, "--remote", s3_hosts.url, "--json", env={"SESSIONKEEPER_KEY": OTHER_KEY})
    assert wrong.returncode == 1
    assert wrong.stdout == ""
    assert wrong.stderr.startswith("Error: ")
    assert wrong.stderr.count("\n") == 1
    assert "written with another key" in wrong.stderr
    no_key = analyze(tmp_path, "--remote", s3_hosts.url, env={"SESSIONKEEPER_KEY": ""})
    assert no_key.returncode == 1
    assert "no key is configured" in no_key.stderr
    assert not (tmp_path / "cache").exists()  # nothing fetched, nothing cached

    # A tampered object: replaced by other bytes under its name.
    key = next(info.key for info in s3_hosts.target.list(OBJECTS) if object_digest(info.key))
    s3_hosts.target.delete(key)
    s3_hosts.target.put(key, b"not what was pushed")
    tampered = analyze(tmp_path, "--remote", s3_hosts.url, "--json")
    assert tampered.returncode == 1
    assert tampered.stdout == ""
    assert tampered.stderr.count("\n") == 1
    assert tampered.stderr.startswith(f"Error: object {key} in {s3_hosts.url} does not match its name")
    assert no_temp_left(tmp_path)
    cached = [p.name for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert key.rsplit("/", 1)[1] not in cached  # only what checked out is kept

    missing = analyze(tmp_path, "--remote", "s3://no-such-bucket-here/team", "--json")
    assert missing.returncode == 1
    assert missing.stderr.startswith("Error: ")
    assert missing.stderr.count("\n") == 1
    assert "no-such-bucket-here" in missing.stderr
    assert "Traceback" not in missing.stderr

    empty = analyze(tmp_path, "--remote", f"{s3_hosts.url}/elsewhere")
    assert empty.returncode == 1
    assert "holds no host's backup" in empty.stderr


def test_an_unreachable_server_and_no_remote_are_one_error_line(tmp_path: Path) -> None:
    down = analyze(
        tmp_path,
        "--remote",
        "s3://bucket/team",
        env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ALLOW_HTTP": "true", "AWS_ACCESS_KEY_ID": "x",
             "AWS_SECRET_ACCESS_KEY": "y", "AWS_REGION": "us-east-1"},
    )  # fmt: skip
    assert down.returncode == 1
    assert down.stderr.startswith("Error: ")
    assert down.stderr.count("\n") == 1
    none = analyze(tmp_path, "--remote")
    assert none.returncode == 1
    assert none.stderr == (
        "Error: no remote is configured: give --remote URL (s3://bucket/prefix or a directory), or set "
        "SESSIONKEEPER_REMOTE or remote in [tool.sessionkeeper]\n"
    )
    both = analyze(tmp_path, "--remote", "--data-dir", str(tmp_path))
    assert both.returncode == 2
    assert "give one" in both.stderr


def test_a_directory_remote_and_an_export(tmp_path: Path) -> None:
    hosts = two_hosts(tmp_path, TargetURL("file", path=tmp_path / "remote"), str(tmp_path / "remote"))
    result = analyze(tmp_path, "--remote", str(tmp_path / "remote"), "--json")
    assert_counts_each_once(report_of(result), hosts)
    exported = analyze(tmp_path, "--remote", f"file://{tmp_path / 'remote'}", "--export", "jsonl", "--quiet")
    assert exported.returncode == 0, exported.stderr
    assert exported.stderr == ""
    rows = [orjson.loads(line) for line in exported.stdout.splitlines()]
    assert sum(1 for row in rows if row["kind"] == "command") == hosts.commands
    assert {row["host"] for row in rows} == {"laptop", "desktop"}
    assert {row["session_id"] for row in rows if row.get("task_id") == "EXTRA"} == {hosts.shared}
    assert no_temp_left(tmp_path)
