"""The hook API the guide shows: what each call records, and the summary keys it keeps."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from sessionkeeper.core import (
    CommandExecuted,
    SessionManager,
    StateScope,
    TaskCompleted,
    TaskStarted,
    read_current,
    read_session,
    write_current,
)
from sessionkeeper.hooks import REDACTED, TaskExecutorSessionHook

from .conftest import SECRETS, kinds, leaks, session_events, session_value

LEGACY_FILE = (
    Path(__file__).resolve().parents[3]
    / "shared/fixtures/legacy-sessions/20251027_040642/session_20251026_233932_3a8f9571.json"
)
TASK = {"task_id": "FEAT-2026-11-25-01", "title": "Add login", "_file_path": "TASKS/FEAT-2026-11-25-01.yaml"}


def test_a_task_with_commands_becomes_events_in_order(hook: TaskExecutorSessionHook, data_dir: Path) -> None:
    hook.on_task_start(TASK)
    hook.on_command_execute(["pytest", "-q"], 0, duration=1.25, cwd="/work/project")
    hook.on_command_execute("ruff check .", 1, duration=0.5, cwd="/work/project", stderr="E501 line too long")
    hook.on_task_complete(TASK, False, 2.5, "ruff found 1 error")
    hook.close()

    started, passed, failed, completed = session_events(data_dir)
    assert isinstance(started, TaskStarted)
    assert (started.task_id, started.title, started.source) == (
        "FEAT-2026-11-25-01",
        "Add login",
        "TASKS/FEAT-2026-11-25-01.yaml",
    )
    assert isinstance(passed, CommandExecuted)
    assert (passed.command, passed.exit_code, passed.duration, passed.cwd, passed.task_id, passed.error) == (
        "pytest -q",
        0,
        1.25,
        "/work/project",
        "FEAT-2026-11-25-01",
        None,
    )
    assert isinstance(failed, CommandExecuted)
    assert (failed.command, failed.exit_code, failed.error) == ("ruff check .", 1, "E501 line too long")
    assert isinstance(completed, TaskCompleted)
    assert (completed.task_id, completed.success, completed.duration, completed.error, completed.title) == (
        "FEAT-2026-11-25-01",
        False,
        2.5,
        "ruff found 1 error",
        "Add login",
    )


def test_summary_keys_have_the_old_tools_shapes(hook: TaskExecutorSessionHook, data_dir: Path) -> None:
    legacy = json.loads(LEGACY_FILE.read_text(encoding="utf-8"))["scope_data"]
    other = {"task_id": "FIX-2026-11-25-02", "title": "Fix the build"}
    hook.on_task_start(TASK)
    hook.on_task_complete(TASK, True, 1.0)
    hook.on_task_start(other)
    hook.on_task_complete(other, False, 3.0, "compiler error")
    hook.close()

    session = read_session(data_dir, read_current(data_dir) or "")
    current = session.get("current_task")
    assert set(current) == set(legacy["session"]["current_task"])
    assert current["task_id"] == "FIX-2026-11-25-02"
    assert (current["status"], current["execution_time"], current["error"]) == (
        "failed",
        3.0,
        "compiler error",
    )
    history = session.get("task_history")
    assert [set(entry) for entry in history] == [set(legacy["session"]["task_history"][0])] * 2
    assert [entry["task_id"] for entry in history] == ["FEAT-2026-11-25-01", "FIX-2026-11-25-02"]
    assert {entry["status"] for entry in history} == {"started"}
    assert session.get("completed_tasks") == ["FEAT-2026-11-25-01"]
    failed = session.get("failed_tasks")
    assert list(failed) == ["FIX-2026-11-25-02"]
    assert set(failed["FIX-2026-11-25-02"]) == set(next(iter(legacy["session"]["failed_tasks"].values())))
    assert session.get("last_error") == "compiler error"

    manager = SessionManager(data_dir, handle_signals=False)
    stats = manager.get("execution_stats", StateScope.USER)
    manager.stop()
    assert set(stats) == set(legacy["user"]["execution_stats"])
    assert stats == {"total_executions": 2, "successful": 1, "failed": 1, "total_time": 4.0, "avg_time": 2.0}


def test_execution_summary_reports_the_old_figures(hook: TaskExecutorSessionHook) -> None:
    hook.on_task_start(TASK)
    hook.on_task_complete(TASK, True, 4.0)
    hook.on_task_start(TASK)
    hook.on_task_complete(TASK, False, 2.0, "boom")
    summary = hook.get_execution_summary()
    assert summary["enabled"] is True
    assert summary["session_id"] == hook.session_id
    assert {k: summary[k] for k in ("total_executions", "successful", "failed", "total_time")} == {
        "total_executions": 2,
        "successful": 1,
        "failed": 1,
        "total_time": 6.0,
    }
    assert summary["avg_execution_time"] == 3.0
    assert summary["success_rate"] == 50.0
    assert (summary["session_completed"], summary["session_failed"]) == (1, 1)
    last = hook.get_last_failed_task()
    assert last is not None
    assert (last["task_id"], last["error"]) == ("FEAT-2026-11-25-01", "boom")


def test_summary_lists_are_bounded(data_dir: Path, user_dir: Path) -> None:
    hook = TaskExecutorSessionHook(data_dir, user_dir, history_limit=3)
    for number in range(5):
        task = {"task_id": f"T-{number}"}
        hook.on_task_start(task)
        hook.on_task_complete(task, number % 2 == 0, 1.0, None if number % 2 == 0 else "no")
    hook.close()
    assert [e["task_id"] for e in session_value(data_dir, "task_history")] == ["T-2", "T-3", "T-4"]
    assert session_value(data_dir, "completed_tasks") == ["T-0", "T-2", "T-4"]
    assert list(session_value(data_dir, "failed_tasks")) == ["T-1", "T-3"]
    assert kinds(session_events(data_dir)) == {"TaskStarted": 5, "TaskCompleted": 5}  # the log keeps all


@pytest.mark.parametrize(
    ("task_data", "task_id", "title", "source"),
    [
        ({}, "unknown", None, None),
        ({"title": "No id"}, "unknown", "No id", None),
        ({"task_id": 42, "yaml_path": Path("TASKS/x.yaml")}, "42", None, "TASKS/x.yaml"),
        ("TASK-7", "TASK-7", None, None),
        (SimpleNamespace(task_id="OBJ-1", title="From an object"), "OBJ-1", "From an object", None),
        (None, "unknown", None, None),
    ],
)
def test_missing_or_odd_task_fields_are_tolerated(
    hook: TaskExecutorSessionHook,
    data_dir: Path,
    task_data: Any,
    task_id: str,
    title: str | None,
    source: str | None,
) -> None:
    hook.on_task_start(task_data)
    hook.on_task_complete(task_data, True, "not a number")  # type: ignore[arg-type]
    started, completed = session_events(data_dir)
    assert isinstance(started, TaskStarted)
    assert isinstance(completed, TaskCompleted)
    assert (started.task_id, started.title, started.source) == (task_id, title, source)
    assert (completed.task_id, completed.duration) == (task_id, None)


def test_commands_outside_a_task_and_odd_arguments(hook: TaskExecutorSessionHook, data_dir: Path) -> None:
    hook.on_command_execute(("git", Path("status")), 0)
    hook.on_command_execute(b"make all", "2", duration=float("nan"))  # type: ignore[arg-type]
    hook.on_command_execute(["ls"], None)  # type: ignore[arg-type]
    first, second, third = session_events(data_dir)
    assert isinstance(first, CommandExecuted)
    assert (first.command, first.task_id, first.cwd) == ("git status", None, os.getcwd())
    assert isinstance(second, CommandExecuted)
    assert (second.command, second.exit_code, second.duration) == ("make all", 2, None)
    assert isinstance(third, CommandExecuted)
    assert third.exit_code == -1  # unknown: never counted as a success


def test_output_is_kept_only_for_failed_commands_and_only_its_tail(
    hook: TaskExecutorSessionHook, data_dir: Path
) -> None:
    output = "".join(f"line {n}\n" for n in range(2000))
    hook.on_command_execute("ok", 0, stdout=output, stderr=output)
    hook.on_command_execute("bad", 1, stdout="only stdout here")
    hook.on_command_execute("worse", 2, stdout="ignored", stderr=output.encode())
    ok, bad, worse = session_events(data_dir)
    assert isinstance(ok, CommandExecuted)
    assert isinstance(bad, CommandExecuted)
    assert isinstance(worse, CommandExecuted)
    assert ok.error is None
    assert bad.error == "only stdout here"
    assert worse.error is not None
    assert worse.error.endswith("line 1999")
    assert len(worse.error) <= 2001
    assert session_value(data_dir, "last_error") == "worse exited with status 2: line 1999"


def test_the_current_session_is_used_and_none_is_started_when_one_exists(
    data_dir: Path, user_dir: Path, hook: TaskExecutorSessionHook
) -> None:
    manager = SessionManager(data_dir, user_dir, handle_signals=False)
    existing = manager.start()
    manager.stop()
    hook.on_task_start(TASK)
    assert hook.session_id == existing
    assert read_current(data_dir) == existing
    assert len(list((data_dir / "sessions").glob("session_*.json"))) == 1


def test_a_session_is_started_when_there_is_none(hook: TaskExecutorSessionHook, data_dir: Path) -> None:
    assert read_current(data_dir) is None
    hook.on_command_execute("true", 0)
    assert hook.session_id is not None
    assert read_current(data_dir) == hook.session_id


def test_a_legacy_current_session_is_continued_with_its_summary(
    data_dir: Path, user_dir: Path, hook: TaskExecutorSessionHook
) -> None:
    sessions = data_dir / "sessions"
    sessions.mkdir(parents=True)
    (sessions / LEGACY_FILE.name).write_bytes(LEGACY_FILE.read_bytes())
    write_current(data_dir, LEGACY_FILE.stem)
    hook.on_task_start(TASK)
    hook.on_task_complete(TASK, True, 1.0)
    summary = hook.get_execution_summary()
    hook.close()
    assert hook.session_id != LEGACY_FILE.stem
    assert (sessions / LEGACY_FILE.name).read_bytes() == LEGACY_FILE.read_bytes()  # never changed
    assert summary["total_executions"] == 11  # the old counters go on
    completed = session_value(data_dir, "completed_tasks")
    assert isinstance(completed, list)
    assert completed[-1] == "FEAT-2026-11-25-01"
    assert "BUILD-2025-10-26-39" in completed


def test_the_hook_does_not_touch_signal_handling(hook: TaskExecutorSessionHook) -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    hook.on_task_start(TASK)
    hook.on_task_complete(TASK, True, 1.0)
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_every_stored_text_is_redacted(hook: TaskExecutorSessionHook, data_dir: Path, user_dir: Path) -> None:
    s = SECRETS
    task = {
        "task_id": f"DEPLOY-{s['github']}",
        "title": f"Deploy with OPENAI_API_KEY={s['openai']}",
        "_file_path": f"/contracts/API_TOKEN={s['env_token']}/deploy.yaml",
    }
    hook.on_task_start(task)
    hook.on_command_execute(
        [
            "mysql",
            "-uroot",
            f"-p{s['mysql']}",
            "--password",
            s["password"],
            "-e",
            f"select '{s['aws_key_id']}'",
        ],
        1,
        cwd=f"/srv/aws_secret_access_key={s['aws_secret']}",
        stdout=f"connecting to https://bob:{s['url_password']}@db.example.com\n",
        stderr=f"Authorization: Bearer {s['bearer']}\nslack {s['slack']} gitlab {s['gitlab']}\n",
    )
    hook.on_command_execute(f"notify --token={s['github_pat']} AWS={s['aws_session_key_id']}", 0)
    hook.on_task_complete(task, False, 1.0, f"failed: {s['openai']} {s['slack']}")
    hook.close()
    assert leaks([v for k, v in s.items() if k != "custom"], data_dir, user_dir) == []
    # ... and it really recorded everything, just redacted
    events = session_events(data_dir)
    assert kinds(events) == {"TaskStarted": 1, "CommandExecuted": 2, "TaskCompleted": 1}
    command = events[1]
    assert isinstance(command, CommandExecuted)
    assert command.command.startswith("mysql -uroot")
    assert REDACTED in command.command
    assert command.cwd == f"/srv/aws_secret_access_key={REDACTED}"


def test_extra_patterns_from_the_constructor_are_applied(data_dir: Path, user_dir: Path) -> None:
    hook = TaskExecutorSessionHook(data_dir, user_dir, redact_patterns=[r"ticket-\d{6}"])
    hook.on_command_execute("close ticket-123456", 0)
    hook.close()
    assert leaks(["ticket-123456"], data_dir, user_dir) == []


def test_calls_from_many_threads_are_all_recorded(hook: TaskExecutorSessionHook, data_dir: Path) -> None:
    def work(number: int) -> None:
        task = {"task_id": f"T-{number}"}
        hook.on_task_start(task)
        for step in range(25):
            hook.on_command_execute(["step", str(step)], step % 5)
        hook.on_task_complete(task, True, 0.1)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    hook.close()
    assert kinds(session_events(data_dir)) == {"TaskStarted": 8, "CommandExecuted": 200, "TaskCompleted": 8}
    assert sorted(session_value(data_dir, "completed_tasks")) == sorted(f"T-{n}" for n in range(8))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_records_through_its_own_session_handle(
    hook: TaskExecutorSessionHook, data_dir: Path
) -> None:
    hook.on_command_execute("parent before fork", 0)
    pid = os.fork()
    if pid == 0:  # the child: record, then leave without running the parent's exit handlers
        try:
            hook.on_command_execute("child", 0)
        finally:
            os._exit(0 if hook.enabled else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    hook.on_command_execute("parent after fork", 0)
    hook.close()
    commands = [e.command for e in session_events(data_dir) if isinstance(e, CommandExecuted)]
    assert commands == ["parent before fork", "child", "parent after fork"]


def test_module_level_functions_use_one_process_wide_hook(tmp_path: Path) -> None:
    from .conftest import session_events as events

    code = (
        "from sessionkeeper import hooks\n"
        "assert hooks.get_hook() is hooks.get_hook()\n"
        "task = {'task_id': 'MOD-1', 'title': 'module functions'}\n"
        "hooks.on_task_start(task)\n"
        "hooks.on_command_execute(['echo', 'hi'], 0, duration=0.1)\n"
        "hooks.on_task_complete(task, True, 0.2)\n"
        "print(hooks.get_execution_summary()['total_executions'])\n"
    )
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "1\n", "")
    assert kinds(events(tmp_path / "RUNS")) == {"TaskStarted": 1, "CommandExecuted": 1, "TaskCompleted": 1}


def test_an_unreadable_current_session_is_left_alone_and_a_new_one_started(
    data_dir: Path, user_dir: Path, hook: TaskExecutorSessionHook, caplog: pytest.LogCaptureFixture
) -> None:
    from sessionkeeper.core import session_paths

    manager = SessionManager(data_dir, user_dir, handle_signals=False)
    damaged = manager.start()
    manager.set("work", "in progress")
    manager.stop()
    paths = session_paths(data_dir, damaged)
    for path in (paths.snapshot, paths.backup):
        path.write_bytes(b"{not json")
    # Without its first journal the session cannot be rebuilt from its journals either.
    paths.journal(1).unlink(missing_ok=True)
    hook.on_command_execute("true", 0)
    assert hook.session_id not in (None, damaged)
    assert paths.snapshot.read_bytes() == b"{not json"
    assert [r.levelname for r in caplog.records if r.name == "sessionkeeper.hooks"] == ["WARNING"]
