"""The pytest plugin: idle (core not even imported) unless --session-record; then one task per run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sessionkeeper.core import CommandExecuted, TaskCompleted, TaskStarted

from .conftest import SECRETS, kinds, leaks, session_events, session_value

TESTS = """
import sys

TOKEN = {token!r}


def test_passes():
    assert "sessionkeeper.hooks.pytest_plugin" in sys.modules  # the plugin is loaded...


def test_core_is_not_imported_without_the_option():
    if "--session-record" not in sys.argv:
        assert not [m for m in sys.modules if m.startswith("sessionkeeper.core")]


def test_fails():
    assert TOKEN == "", f"login refused for {{TOKEN}} and {custom}"
"""


def run_pytest(project: Path, env: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_sample.py").write_text(TESTS.format(token=SECRETS["slack"], custom=SECRETS["custom"]))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options, "test_sample.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_the_option_nothing_is_recorded_or_imported(
    tmp_path: Path, child_env: dict[str, str], data_dir: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    proc = run_pytest(project, child_env)
    assert proc.returncode == 1, proc.stdout
    assert "1 failed, 2 passed" in proc.stdout
    assert not data_dir.exists()


def test_a_recorded_run_is_one_task_with_the_failing_test_as_a_failed_command(
    tmp_path: Path, child_env: dict[str, str], data_dir: Path, user_dir: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    proc = run_pytest(project, child_env, "--session-record")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed, 2 passed" in proc.stdout
    events = session_events(data_dir)
    assert kinds(events) == {"TaskStarted": 1, "CommandExecuted": 1, "TaskCompleted": 1}
    started, failed, completed = events
    assert isinstance(started, TaskStarted)
    assert started.task_id == "pytest:project"
    assert started.title is not None
    assert started.title.startswith("pytest ")
    assert started.source == str(project / "pytest.ini")
    assert isinstance(failed, CommandExecuted)
    assert (failed.command, failed.exit_code, failed.task_id, failed.cwd) == (
        "pytest test_sample.py::test_fails",
        1,
        "pytest:project",
        str(project),
    )
    assert failed.error is not None
    assert "AssertionError" in failed.error
    assert isinstance(completed, TaskCompleted)
    assert (completed.task_id, completed.success) == ("pytest:project", False)
    assert session_value(data_dir, "failed_tasks") == {
        "pytest:project": {"error": completed.error, "timestamp": completed.at.isoformat()}
    }
    assert leaks([SECRETS["slack"], SECRETS["custom"]], data_dir, user_dir) == []


def test_a_green_run_is_a_successful_task_with_the_given_id(
    tmp_path: Path, child_env: dict[str, str], data_dir: Path
) -> None:
    project = tmp_path / "green"
    project.mkdir()
    proc = run_pytest(
        project, child_env, "--session-record", "--session-task-id", "TEST-GREEN", "-k", "not fails"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    started, completed = session_events(data_dir)
    assert isinstance(started, TaskStarted)
    assert isinstance(completed, TaskCompleted)
    assert (started.task_id, completed.task_id, completed.success, completed.error) == (
        "TEST-GREEN",
        "TEST-GREEN",
        True,
        None,
    )
    assert session_value(data_dir, "completed_tasks") == ["TEST-GREEN"]
