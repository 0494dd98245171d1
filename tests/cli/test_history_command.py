"""Retention and the history archive from the command line (issue 15): start, prune, history,
and the report after many sessions — each command run as a real subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import orjson

from tests.cli.support import Cli, digest


def _session_with_a_command(cli: Cli, exit_code: int) -> str:
    session_id = cli.start()
    cli.run("run", "--", "sh", "-c", f"exit {exit_code}")
    return session_id


def test_eleven_starts_keep_every_event_for_the_report(cli: Cli, data_dir: Path) -> None:
    first = _session_with_a_command(cli, 1)
    for _ in range(9):
        cli.start()
    eleventh = cli.ok("start")
    assert eleventh.out.strip().startswith("session_")  # stdout: the id alone, for SID=$(...)
    assert len(eleventh.out.strip().splitlines()) == 1
    assert "Retention removed 1 old session(s)" in eleventh.err
    assert "history archive" in eleventh.err
    listed = cli.ok("history", "--json").json()["sessions"]
    assert [entry["session_id"] for entry in listed] == [first]
    assert listed[0]["events"] == 1
    assert listed[0]["ending"] == "ended"
    analyze = shutil.which("session-analyze", path=os.path.dirname(cli.executable))
    assert analyze is not None
    report = subprocess.run(
        [analyze, "--json", "--days", "1"], env=cli.env(), capture_output=True, check=True, timeout=60
    )
    stats = orjson.loads(report.stdout)["stats"]
    assert (stats["commands_run"], stats["commands_failed"]) == (1, 1)


def test_prune_dry_run_changes_nothing_and_lists_what_prune_removes(cli: Cli, data_dir: Path) -> None:
    ids = [_session_with_a_command(cli, 0) for _ in range(5)]
    before = digest(data_dir)
    dry = cli.ok("prune", "--max", "2", "--dry-run", "--json").json()
    assert digest(data_dir) == before
    assert dry["dry_run"] is True
    assert dry["removed"] == ids[:3]
    text = cli.ok("prune", "--max", "2", "--dry-run").out
    assert "Would remove 3 old session(s)" in text
    assert digest(data_dir) == before
    done = cli.ok("prune", "--max", "2", "--json").json()
    assert done["removed"] == done["archived"] == ids[:3]
    assert done["kept"] == 2
    assert [entry["session_id"] for entry in cli.ok("history", "--json").json()["sessions"]] == ids[:3]
    assert "Nothing to remove" in cli.ok("prune", "--max", "2").out


def test_prune_names_what_it_cannot_archive_and_keeps_it(cli: Cli, data_dir: Path) -> None:
    ids = [_session_with_a_command(cli, 0) for _ in range(3)]
    snapshot = data_dir / "sessions" / f"{ids[0]}.json"
    for path in (snapshot, snapshot.with_name(snapshot.name + ".bak")):
        path.write_bytes(path.read_bytes()[:40])  # cut short: neither copy can be read
    result = cli.ok("prune", "--max", "1")
    assert "could not be archived" in result.out
    assert ids[0] in result.out
    assert snapshot.exists()
    assert "Removed 1 old session(s)" in result.out


def test_history_lists_newest_last_and_limits(cli: Cli, data_dir: Path) -> None:
    ids = [_session_with_a_command(cli, 0) for _ in range(4)]
    cli.ok("prune", "--max", "1")
    table = cli.ok("history").out
    assert all(session_id in table for session_id in ids[:3])
    assert "3 archived session(s)" in table
    limited = cli.ok("history", "--limit", "1", "--json").json()["sessions"]
    assert len(limited) == 1
    other = data_dir.parent / "other"
    other.mkdir()
    assert "No archived sessions" in cli.ok("history", env=cli.env(SESSIONKEEPER_DATA_DIR=str(other))).out


def test_status_words_are_coloured_only_when_asked_or_on_a_terminal(cli: Cli, data_dir: Path) -> None:
    cli.start()
    coloured = cli.ok("list", "--color", "always").out
    assert "\x1b[" in coloured.split("ended")[0].splitlines()[-1]  # a style opens before the word
    assert "\x1b[" not in cli.ok("list").out  # piped, auto: no colour
    assert "\x1b[" not in cli.ok("list", env=cli.env(NO_COLOR="1")).out
    info = cli.ok("info", "--json").json()
    assert info["data_dir_origin"] == "env"  # the tests set SESSIONKEEPER_DATA_DIR
    assert f"{data_dir} (" in cli.ok("info").out  # and says why this directory


def test_session_analyze_is_also_session_analyze(cli: Cli, data_dir: Path) -> None:
    _session_with_a_command(cli, 1)
    report = cli.ok("analyze", "--json", "--days", "1").json()  # session-analyzer's entry point
    assert report["stats"]["commands_failed"] == 1
    assert "session analyze" in cli.ok("analyze", "--help").out
    # the session command's global options reach it: --data-dir before it, --json after it
    elsewhere = cli.env(SESSIONKEEPER_DATA_DIR=str(data_dir.parent / "elsewhere"))
    inherited = cli.ok("--data-dir", str(data_dir), "analyze", "--days", "1", "--json", env=elsewhere).json()
    assert inherited["stats"]["commands_failed"] == 1
    assert cli.fails("analyze", "--since", "nope", status=2).err.strip().endswith(
        "use YYYY-MM-DD or an ISO date-time (2025-10-01T09:00)"
    )
