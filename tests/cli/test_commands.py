"""Every command of the installed ``session`` executable, for people and with ``--json``."""

from __future__ import annotations

import json
from pathlib import Path

from sessionkeeper.core import SessionManager, StateScope, TaskStarted
from tests.cli.support import Cli, backup_path, damage_journal_record, digest, journals, snapshot_path


def test_start_prints_only_the_new_id_and_makes_it_current(cli: Cli, data_dir: Path) -> None:
    first = cli.ok("start").out.strip()
    second = cli.ok("start", "--json").json()["session_id"]
    assert first.startswith("session_")
    assert second.startswith("session_")
    assert first != second
    assert (data_dir / "sessions" / "current").read_text().strip() == second
    assert snapshot_path(data_dir, first).exists()


def test_set_get_delete_in_every_scope(cli: Cli, data_dir: Path, user_dir: Path) -> None:
    session_id = cli.start()
    cli.ok("set", "feature", "authentication")
    cli.ok("set", "retries", "3")
    cli.ok("set", "label", "3", "--string")
    cli.ok("set", "done", '["setup", "database"]')
    cli.ok("set", "user:theme", "dark", "--scope", "user")
    cli.ok("set", "project:name", '{"name": "kit", "年": 2026}', "--scope", "app")

    assert cli.ok("get", "feature").out == "authentication\n"
    assert cli.ok("get", "retries", "--json").json() == {
        "key": "retries",
        "scope": "session",
        "session_id": session_id,
        "value": 3,
    }
    assert cli.ok("get", "label", "--json").json()["value"] == "3"
    assert cli.ok("get", "done").out == '["setup", "database"]\n'
    assert cli.ok("get", "user:theme", "--scope", "user").out == "dark\n"
    app = cli.ok("get", "project:name", "--scope", "app", "--json").json()
    assert app["value"] == {"name": "kit", "年": 2026}
    assert app["session_id"] is None

    deleted = cli.ok("delete", "feature", "--json").json()
    assert deleted == {"key": "feature", "scope": "session", "session_id": session_id, "deleted": True}
    cli.fails("get", "feature")
    cli.ok("delete", "user:theme", "--scope", "user")
    cli.fails("get", "user:theme", "--scope", "user")

    # What the CLI wrote is what a program sees through core.
    session = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    try:
        session.resume(session_id)
        assert session.get("retries") == 3
        assert session.get("label") == "3"
        assert session.get("done") == ["setup", "database"]
        assert session.get("project:name", StateScope.APP) == {"name": "kit", "年": 2026}
        assert session.get("user:theme", StateScope.USER) is None
    finally:
        session.stop()


def test_set_keeps_words_and_non_json_constants_as_strings(cli: Cli) -> None:
    cli.start()
    for raw in ("hello world", "NaN", "Infinity", "{not json", "01"):
        cli.ok("set", "k", raw)
        assert cli.ok("get", "k", "--json").json()["value"] == raw
    cli.ok("set", "k", "null")
    assert cli.ok("get", "k", "--json").json()["value"] is None


def test_info_describes_the_current_session(cli: Cli, data_dir: Path) -> None:
    session_id = cli.start()
    cli.ok("set", "user:theme", "dark", "--scope", "user")
    cli.ok("set", "a", "1")
    cli.ok("set", "b", "2")
    cli.ok("checkpoint")
    cli.ok("set", "project:name", "kit", "--scope", "app")  # after the session's last snapshot

    info = cli.ok("info", "--json").json()
    assert info["session_id"] == session_id
    assert info["data_dir"] == str(data_dir)
    # USER and APP are read from their own stores, so a value set after the session's last
    # snapshot is counted too.
    assert info["keys"] == {"session": 2, "user": 1, "app": 1}
    assert info["events"] == 0
    assert info["live"] is False
    assert (info["status"], info["graceful_shutdown"]) == ("ended", True)  # each command stops cleanly
    assert info["last_update"] >= info["started_at"]
    assert info["last_save_error"] is None
    assert info["started_at"]
    assert info["last_checkpoint"]
    assert info["load"]["source"] == "snapshot"
    assert info["load"]["dropped"] == []
    paths = [Path(file["path"]) for file in info["files"]]
    assert snapshot_path(data_dir, session_id) in paths
    assert info["size"] == sum(file["size"] for file in info["files"]) > 0

    text = cli.ok("info").out
    assert f"{session_id} (current)" in text
    assert "session 2, user 1, app 1" in text
    assert "ended cleanly" in text
    assert "Last checkpoint" in text


def test_info_says_when_a_live_process_holds_the_session(cli: Cli, data_dir: Path, user_dir: Path) -> None:
    session = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = session.start()
    try:
        session.set("x", 1)
        info = cli.ok("info", "--json").json()
        assert info["session_id"] == session_id
        assert info["live"] is True
        assert (info["status"], info["graceful_shutdown"]) == ("running", False)
        assert info["keys"]["session"] == 1  # read from the journal, without waiting for a checkpoint
        listed = cli.ok("list", "--json").json()["sessions"]
        assert [(entry["live"], entry["status"]) for entry in listed] == [(True, "running")]
        assert "running" in cli.ok("list").out
    finally:
        session.stop()
    info = cli.ok("info", "--json").json()
    assert (info["live"], info["status"], info["graceful_shutdown"]) == (False, "ended", True)


def test_list_shows_every_session_and_marks_the_current_one(cli: Cli, data_dir: Path) -> None:
    first, second = cli.start(), cli.start()
    listed = cli.ok("list", "--json").json()
    assert listed["data_dir"] == str(data_dir)
    assert listed["current"] == second
    assert [entry["session_id"] for entry in listed["sessions"]] == [first, second]
    assert [entry["current"] for entry in listed["sessions"]] == [False, True]
    assert all(entry["has_snapshot"] and entry["size"] > 0 for entry in listed["sessions"])

    table = cli.ok("list").out
    assert first in table
    assert second in table
    assert "* the current session" in table


def test_list_of_an_empty_data_directory(cli: Cli, data_dir: Path) -> None:
    data_dir.mkdir()
    assert cli.ok("list", "--json").json() == {"data_dir": str(data_dir), "current": None, "sessions": []}
    assert "No sessions" in cli.ok("list").out


def test_show_lists_values_and_events(cli: Cli, data_dir: Path, user_dir: Path) -> None:
    session = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = session.start()
    from datetime import UTC, datetime

    session.set("when", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    session.set("tags", {"b", "a"})
    session.set("markup", "[bold]not markup[/bold]")
    session.record(TaskStarted(task_id="FIX-DB", title="database"))
    session.stop()

    shown = cli.ok("show", session_id, "--json").json()
    assert shown["session_id"] == session_id
    assert shown["values"] == {
        "markup": "[bold]not markup[/bold]",
        "tags": ["a", "b"],
        "when": "2026-01-02T03:04:05+00:00",
    }
    assert shown["undecodable"] == {}
    assert [event["kind"] for event in shown["events"]] == ["task_started"]
    assert shown["events"][0]["task_id"] == "FIX-DB"

    table = cli.ok("show").out  # the current session by default
    assert "[bold]not markup[/bold]" in table  # user data is never taken as rich markup
    assert "FIX-DB" in table
    assert "task_started" in table


def test_checkpoint_compacts_the_journal_and_keeps_a_backup(cli: Cli, data_dir: Path) -> None:
    session_id = cli.start()
    cli.ok("set", "a", "1")
    result = cli.ok("checkpoint", "--json").json()
    assert result == {
        "session_id": session_id,
        "keys": 1,
        "events": 0,
        "journal_records": 0,
        "warnings": [],
        "dropped": [],
    }
    assert backup_path(data_dir, session_id).exists()
    assert "Checkpointed" in cli.ok("checkpoint", session_id).out


def test_resume_makes_the_latest_session_current_and_summarises_it(
    cli: Cli, data_dir: Path, user_dir: Path
) -> None:
    older = cli.start()
    cli.ok("set", "a", "1")
    latest = cli.start()
    cli.ok("set", "b", "2")
    (data_dir / "sessions" / "current").write_text(f"{older}\n")

    summary = cli.ok("resume", "--json").json()
    assert summary["session_id"] == latest
    assert summary["keys"]["session"] == 1
    assert summary["dropped"] == []
    assert summary["continued_from"] is None
    assert cli.ok("info", "--json").json()["session_id"] == latest
    assert f"Resumed {latest}" in cli.ok("resume").out


def test_recover_makes_a_given_session_current(cli: Cli) -> None:
    older = cli.start()
    cli.ok("set", "a", "1")
    cli.start()
    summary = cli.ok("recover", older, "--json").json()
    assert summary["session_id"] == older
    assert summary["source"] == "snapshot"
    assert summary["keys"]["session"] == 1
    assert "repaired" not in summary
    assert cli.ok("get", "a").out == "1\n"


def test_export_and_import_round_trip(cli: Cli, tmp_path: Path) -> None:
    session_id = cli.start()
    cli.ok("set", "feature", "export")
    target = tmp_path / "export.json"
    exported = cli.ok("export", session_id, "-o", str(target), "--json").json()
    assert exported == {"session_id": session_id, "path": str(target), "bytes": target.stat().st_size}
    document = json.loads(target.read_bytes())
    assert document["scope_data"]["session"] == {"feature": "export"}
    assert target.stat().st_mode & 0o077 == 0  # session data stays private

    to_stdout = cli.ok("export").out_bytes  # the current session, to standard output
    assert json.loads(to_stdout)["session_id"] == session_id

    imported = cli.ok("import", str(target), "--json").json()["session_id"]
    assert imported != session_id
    assert cli.ok("show", imported, "--json").json()["values"] == {"feature": "export"}
    from_stdin = cli.ok("import", "-", stdin=to_stdout).out
    assert from_stdin.startswith("Imported -")

    cli.fails("export", "-o", str(target))  # never over an existing file...
    cli.ok("export", "-o", str(target), "--force")  # ...unless asked


def test_prune_keeps_the_newest_and_the_current(cli: Cli) -> None:
    ids = [cli.start() for _ in range(4)]
    cli.ok("recover", ids[0])  # the oldest is now current: it must survive
    result = cli.ok("prune", "--max", "2", "--json").json()
    assert result == {
        "dry_run": False,
        "removed": [ids[1], ids[2]],
        "archived": [ids[1], ids[2]],  # their events are in the history archive
        "not_removed": [],
        "history_expired": [],
        "kept": 2,
        "max": 2,
        "history_days": 365,
    }
    listed = [entry["session_id"] for entry in cli.ok("list", "--json").json()["sessions"]]
    assert listed == [ids[0], ids[3]]
    assert "Nothing to remove" in cli.ok("prune").out


def test_verify_reports_every_store(cli: Cli, data_dir: Path, user_dir: Path) -> None:
    session = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = session.start()
    for key in ("a", "b", "c"):
        session.set(key, key)
    session.set("user:theme", "dark", StateScope.USER)
    session.stop()

    report = cli.ok("verify", "--json").json()
    assert report["ok"] is True
    assert {(store["kind"], store["name"]) for store in report["stores"]} == {
        ("session", session_id),
        ("user", "user"),
        ("app", "app"),
    }
    assert "intact" in cli.ok("verify").out

    written = max(journals(data_dir, session_id), key=lambda path: path.stat().st_size)
    damage_journal_record(written, 2)  # a record in the middle: damage, not a torn tail
    damaged = cli.fails("verify", "--json")
    data = json.loads(damaged.out)
    assert data["ok"] is False
    assert [store["kind"] for store in data["stores"] if not store["ok"]] == ["session"]
    assert "damaged" in damaged.err
    assert "DAMAGED" in cli.fails("verify").out


def test_files_of_the_old_tool_are_listed_shown_verified_and_never_changed(
    cli: Cli, legacy_dir: Path, user_dir: Path
) -> None:
    env = cli.env(SESSIONKEEPER_DATA_DIR=str(legacy_dir))
    before = digest(legacy_dir / "sessions")
    listed = cli.ok("list", "--json", env=env).json()["sessions"]
    assert len(listed) == 21
    assert {entry["status"] for entry in listed} == {"unknown"}  # the older layout does not say
    for entry in listed:
        shown = cli.ok("show", entry["session_id"], "--json", env=env).json()
        assert shown["legacy"] is True
        assert shown["undecodable"] == {}
    assert cli.ok("verify", "--json", env=env).json()["ok"] is True
    oldest = listed[0]["session_id"]
    refused = cli.fails("checkpoint", oldest, env=env)
    assert "old session tool" in refused.err

    continued = cli.ok("recover", oldest, "--json", env=env).json()
    assert continued["continued_from"] == oldest
    assert continued["session_id"] != oldest
    assert cli.ok("info", "--json", env=env).json()["resumed_from"] == oldest
    after = digest(legacy_dir / "sessions")
    assert {path: digest_ for path, digest_ in after.items() if path in before} == before
