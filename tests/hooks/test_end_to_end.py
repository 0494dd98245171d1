"""The whole story in real processes: a session, a task runner, `session run`, a recorded pytest run.

Then the session holds exactly the expected events, the old summary keys say the same, and no
planted secret is anywhere on disk (data and user directories, every file, every byte).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sessionkeeper.core import (
    CommandExecuted,
    SessionManager,
    StateScope,
    TaskCompleted,
    TaskStarted,
    read_current,
)

from .conftest import (
    EXAMPLE_CONTRACTS,
    EXAMPLE_RUNNER,
    SECRETS,
    kinds,
    leaks,
    session_events,
    session_run_argv,
    start_session_argv,
)

CONTRACTS = ["LINT-2026-11-25-01", "TEST-2026-11-25-02", "DEPLOY-2026-11-25-03"]
FAILING_TEST = """
TOKEN = {token!r}

def test_passes():
    assert True

def test_fails():
    assert TOKEN == "", "login refused for " + TOKEN + " ({custom}) at https://ci:{password}@ci.example.com"
"""


def step(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=180, check=False)


def test_a_working_day_is_recorded_exactly_and_without_secrets(
    tmp_path: Path, child_env: dict[str, str], data_dir: Path, user_dir: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    env = {**child_env, "API_TOKEN": SECRETS["github"], "DEPLOY_PASSWORD": SECRETS["url_password"]}

    # 1. a session, started the way a person does
    started = step(start_session_argv(), env, work)
    assert started.returncode == 0, started.stderr
    session_id = read_current(data_dir)
    assert session_id is not None

    # 2. the example runner: three contracts, the last one fails
    contracts = [str(EXAMPLE_CONTRACTS / f"{name}.yaml") for name in CONTRACTS]
    runner = step([sys.executable, str(EXAMPLE_RUNNER), *contracts], env, work)
    assert runner.returncode == 1, runner.stdout + runner.stderr
    assert runner.stdout.endswith("2 succeeded, 1 failed\n")
    assert SECRETS["github"] not in runner.stdout  # the runner masks what it prints, too

    # 3. two commands through `session run`
    session_run = session_run_argv()
    assert step([*session_run, "false"], env, work).returncode == 1
    assert step([*session_run, "sh", "-c", "exit 3"], env, work).returncode == 3

    # 4. a recorded pytest run with one passing and one failing test
    (work / "pytest.ini").write_text("[pytest]\n")
    (work / "test_day.py").write_text(
        FAILING_TEST.format(token=SECRETS["slack"], custom=SECRETS["custom"], password=SECRETS["password"])
    )
    tests = step(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--session-record"], env, work
    )
    assert tests.returncode == 1, tests.stdout + tests.stderr
    assert "1 failed, 1 passed" in tests.stdout

    # Everything went into the one session that was started first.
    assert read_current(data_dir) == session_id
    events = session_events(data_dir)
    assert kinds(events) == {"TaskStarted": 4, "CommandExecuted": 10, "TaskCompleted": 4}
    pytest_task = "pytest:work"
    outline = [
        (
            type(e).__name__,
            e.task_id,
            e.exit_code if isinstance(e, CommandExecuted) else getattr(e, "success", None),
        )
        for e in events
    ]
    assert outline == [
        ("TaskStarted", CONTRACTS[0], None),
        ("CommandExecuted", CONTRACTS[0], 0),
        ("CommandExecuted", CONTRACTS[0], 0),
        ("CommandExecuted", CONTRACTS[0], 0),
        ("TaskCompleted", CONTRACTS[0], True),
        ("TaskStarted", CONTRACTS[1], None),
        ("CommandExecuted", CONTRACTS[1], 0),
        ("CommandExecuted", CONTRACTS[1], 0),
        ("TaskCompleted", CONTRACTS[1], True),
        ("TaskStarted", CONTRACTS[2], None),
        ("CommandExecuted", CONTRACTS[2], 0),
        ("CommandExecuted", CONTRACTS[2], 2),
        ("TaskCompleted", CONTRACTS[2], False),
        ("CommandExecuted", None, 1),
        ("CommandExecuted", None, 3),
        ("TaskStarted", pytest_task, None),
        ("CommandExecuted", pytest_task, 1),
        ("TaskCompleted", pytest_task, False),
    ]
    commands = [e for e in events if isinstance(e, CommandExecuted)]
    assert [c.command for c in commands[-3:]] == ["false", "sh -c 'exit 3'", "pytest test_day.py::test_fails"]
    assert {c.cwd for c in commands} == {str(work)}
    assert all(c.duration is not None and c.duration >= 0 for c in commands)
    assert all(isinstance(e.at, type(events[0].at)) for e in events)
    titles = [e.title for e in events if isinstance(e, TaskStarted)]
    assert titles[:3] == [
        "Check the workspace is tidy",
        "Run the integration tests against the staging API",
        "Deploy the release to staging",
    ]
    deploy_end = events[12]
    assert isinstance(deploy_end, TaskCompleted)
    assert deploy_end.error is not None
    assert "https://deploy:[REDACTED]@registry.example.com" in deploy_end.error

    # The old summary keys agree with the events.
    manager = SessionManager(data_dir, user_dir, handle_signals=False)
    manager.resume(session_id)
    try:
        get = manager.get
        assert get("completed_tasks") == CONTRACTS[:2]
        assert list(get("failed_tasks")) == [CONTRACTS[2], pytest_task]
        assert [entry["task_id"] for entry in get("task_history")] == [*CONTRACTS, pytest_task]
        current = get("current_task")
        assert (current["task_id"], current["status"]) == (pytest_task, "failed")
        last_end = events[-1]
        assert isinstance(last_end, TaskCompleted)
        assert get("last_error") == last_end.error
        stats = get("execution_stats", StateScope.USER)
        assert {k: stats[k] for k in ("total_executions", "successful", "failed")} == {
            "total_executions": 4,
            "successful": 2,
            "failed": 2,
        }
        durations = [e.duration or 0.0 for e in events if isinstance(e, TaskCompleted)]
        assert abs(stats["total_time"] - sum(durations)) < 1e-6
    finally:
        manager.stop()

    # No planted secret anywhere, in any form the tests know.
    planted = [SECRETS[name] for name in ("github", "url_password", "slack", "custom", "password")]
    assert leaks(planted, data_dir, user_dir) == []
