"""Bad input gets one clear line on stderr, exit status 1 (2 for usage errors), and changes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sessionkeeper.core import SessionManager
from tests.cli.models import Point
from tests.cli.support import Cli, assert_only_fresh_journals_added, backup_path, digest, snapshot_path

HOSTILE_IDS = ["../../etc/passwd", "/etc/passwd", "session_20261125_001423_75b26fb7/../x", "nonsense", ""]
ABSENT_ID = "session_20990101_000000_deadbeef"


@pytest.fixture
def populated(cli: Cli, data_dir: Path) -> str:
    """A data directory with one checkpointed session holding a value; returns its id."""
    session_id = cli.start()
    cli.ok("set", "feature", "auth")
    cli.ok("set", "user:theme", "dark", "--scope", "user")
    cli.ok("set", "project:name", "kit", "--scope", "app")
    cli.ok("checkpoint")
    return session_id


@pytest.mark.parametrize("bad_id", HOSTILE_IDS)
@pytest.mark.parametrize("command", ["show", "recover", "export", "checkpoint"])
def test_malformed_ids_are_refused_before_any_file_is_touched(
    cli: Cli, data_dir: Path, user_dir: Path, populated: str, command: str, bad_id: str
) -> None:
    before = digest(data_dir, user_dir)
    result = cli.fails(command, bad_id)
    assert "invalid session id" in result.err
    assert digest(data_dir, user_dir) == before


@pytest.mark.parametrize("command", ["show", "recover", "export", "checkpoint"])
def test_unknown_ids_are_reported(
    cli: Cli, data_dir: Path, user_dir: Path, populated: str, command: str
) -> None:
    before = digest(data_dir, user_dir)
    result = cli.fails(command, ABSENT_ID)
    assert f"no session {ABSENT_ID}" in result.err
    assert digest(data_dir, user_dir) == before


READING_COMMANDS = [
    ("info",),
    ("list",),
    ("show",),
    ("get", "feature"),
    ("get", "project:name", "--scope", "app"),
    ("export",),
    ("verify",),
    ("prune",),
    ("resume",),
    ("checkpoint",),
    ("recover", ABSENT_ID),
    ("delete", "feature"),
    ("set", "feature", "x"),
    ("set", "project:name", "x", "--scope", "app"),
]


@pytest.mark.parametrize("args", READING_COMMANDS, ids="-".join)
def test_a_missing_data_directory_is_reported_and_not_created(
    cli: Cli, tmp_path: Path, args: tuple[str, ...]
) -> None:
    missing = tmp_path / "no" / "such" / "RUNS"
    result = cli.fails("--data-dir", str(missing), *args)
    assert f"data directory {missing} does not exist" in result.err
    assert not missing.exists()
    assert not (tmp_path / "no").exists()


def test_a_data_directory_that_is_a_file_is_reported(cli: Cli, tmp_path: Path) -> None:
    regular = tmp_path / "file"
    regular.write_text("not a directory")
    from_environment = cli.fails("info", env=cli.env(SESSIONKEEPER_DATA_DIR=str(regular)))
    expected = f"data directory {regular} (from SESSIONKEEPER_DATA_DIR) is not a directory"
    assert expected in from_environment.err
    from_option = cli.fails("--data-dir", str(regular), "info")  # the same failure, the same status
    assert f"data directory {regular} (from --data-dir) is not a directory" in from_option.err


def test_no_current_session_is_reported(cli: Cli, data_dir: Path) -> None:
    data_dir.mkdir()
    for args in (("info",), ("show",), ("get", "x"), ("set", "x", "1"), ("checkpoint",), ("export",)):
        assert "no current session" in cli.fails(*args).err
    assert list(data_dir.iterdir()) == []


def test_unknown_keys_are_reported(cli: Cli, data_dir: Path, user_dir: Path, populated: str) -> None:
    before = digest(data_dir, user_dir)
    assert "no key 'missing' in the session scope" in cli.fails("get", "missing").err
    assert "no key 'missing'" in cli.fails("delete", "missing").err
    assert digest(data_dir, user_dir) == before


def test_unknown_user_and_app_keys_are_reported(
    cli: Cli, data_dir: Path, user_dir: Path, populated: str
) -> None:
    before = digest(data_dir, user_dir)
    assert "no key 'missing' in the user scope" in cli.fails("get", "missing", "--scope", "user").err
    assert "no key 'missing' in the app scope" in cli.fails("delete", "missing", "--scope", "app").err
    # Core can read the USER and APP stores only by opening them, which starts a new journal.
    assert_only_fresh_journals_added(before, digest(data_dir, user_dir))


def test_get_in_a_scope_that_was_never_written_creates_nothing(
    cli: Cli, data_dir: Path, user_dir: Path
) -> None:
    data_dir.mkdir()
    cli.fails("get", "x", "--scope", "user")
    cli.fails("get", "x", "--scope", "app")
    assert not user_dir.exists()
    assert list(data_dir.iterdir()) == []


def _corrupt(path: Path) -> None:
    path.write_bytes(b"\x00garbage, not a snapshot\n")


def test_damaged_snapshot_and_backup_are_reported_and_left_alone(
    cli: Cli, data_dir: Path, user_dir: Path, populated: str
) -> None:
    cli.ok("checkpoint")  # now there is a backup too
    _corrupt(snapshot_path(data_dir, populated))
    _corrupt(backup_path(data_dir, populated))
    before = digest(data_dir, user_dir)
    for args in (
        ("info",),
        ("show",),
        ("get", "feature"),
        ("checkpoint",),
        ("export",),
        ("recover", populated),
    ):
        result = cli.fails(*args)
        assert "unreadable" in result.err, result.describe()
        assert "no readable backup" in result.err, result.describe()
    verify = cli.fails("verify", "--json")
    assert verify.json()["ok"] is False
    assert digest(data_dir, user_dir) == before


def test_a_damaged_user_store_is_reported(cli: Cli, data_dir: Path, user_dir: Path, populated: str) -> None:
    _corrupt(user_dir / "user.json")
    before = digest(data_dir, user_dir)
    report = cli.fails("verify", "--json").json()
    assert [store["kind"] for store in report["stores"] if not store["ok"]] == ["user"]
    assert digest(data_dir, user_dir) == before
    # Core salvages a damaged USER store from its journals when it opens it; the CLI passes its
    # warnings on, one line each.
    salvaged = cli.ok("get", "user:theme", "--scope", "user")
    assert salvaged.out == "dark\n"
    assert salvaged.err.startswith("warning: ")
    assert all(line.startswith("warning: ") for line in salvaged.err.splitlines())


def test_a_locked_session_is_reported_and_left_alone(
    cli: Cli, data_dir: Path, user_dir: Path, populated: str
) -> None:
    # Another process is in the middle of a checkpoint: it holds the session's compaction lock.
    lock_file = data_dir / "sessions" / f"{populated}.d" / "compact"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(lock_file)!r}, os.O_RDWR)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"locked\n"
        before = digest(data_dir, user_dir)
        result = cli.fails("checkpoint", "--wait", "0.2")
        assert "locked by another process" in result.err
        after = digest(data_dir, user_dir)
    finally:
        holder.communicate(b"", timeout=30)
    # Core's checkpoint_session opens the store (a new journal epoch) before it waits for the
    # lock; the session's content is untouched.
    assert_only_fresh_journals_added(before, after)
    cli.ok("checkpoint")  # and works once the lock is released


def test_import_of_a_file_that_is_not_a_session_writes_nothing(
    cli: Cli, data_dir: Path, user_dir: Path, populated: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a session"}')
    before = digest(data_dir, user_dir)
    assert "import file is unreadable" in cli.fails("import", str(bad)).err
    assert "No such file" in cli.fails("import", str(tmp_path / "missing.json")).err
    assert digest(data_dir, user_dir) == before


def test_export_never_overwrites_without_force(cli: Cli, populated: str, tmp_path: Path) -> None:
    target = tmp_path / "precious.json"
    target.write_text("keep me")
    assert "already exists" in cli.fails("export", "-o", str(target)).err
    assert target.read_text() == "keep me"
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".precious")] == []


def test_an_operating_system_error_is_one_line(cli: Cli, data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / "sessions").write_text("a file where the sessions directory should be")
    result = cli.fails("list")
    assert result.err.startswith("Error: Not a directory")
    assert result.err.rstrip().endswith("sessions")


@pytest.mark.parametrize(
    "args",
    [
        ("no-such-command",),
        ("get",),
        ("set", "only-key"),
        ("get", "k", "--scope", "temp"),
        ("--lang", "fr", "info"),
        ("prune", "--max", "0"),
        ("checkpoint", "--wait", "-1"),
        ("info", "--no-such-option"),
    ],
    ids="-".join,
)
def test_usage_errors_exit_with_status_2(
    cli: Cli, data_dir: Path, user_dir: Path, args: tuple[str, ...]
) -> None:
    result = cli.fails(*args, status=2)
    assert "Usage:" in result.err
    assert not data_dir.exists()
    assert not user_dir.exists()


def test_a_value_of_a_class_the_cli_cannot_import_is_reported_not_crashed_on(
    cli: Cli, data_dir: Path, user_dir: Path
) -> None:
    session = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session.start()
    session.set("point", Point(1, 2))
    session.set("plain", "ok")
    session.stop()
    shown = cli.ok("show", "--json").json()
    assert shown["values"] == {"plain": "ok"}
    assert "tests.cli.models" in shown["undecodable"]["point"]
    assert "cannot be decoded here" in cli.ok("show").out
    assert "import tests.cli.models" in cli.fails("get", "point").err
